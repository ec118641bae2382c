// steadysocket: a WebSocket client that stays connected.
//
// Initialise the wasm module once before creating sockets:
//   browsers, Vite:        await init();
//   Node, Deno, Bun:       initSync({ module: bytes });
//   Cloudflare workers:    initSync({ module: wasmModule });
// Importing this module does nothing else: no timers, no randomness, no
// listeners, no WebSocket lookup.
export { default, default as init, initSync, version, diagnostics } from "../pkg/steadysocket.js";
export { SteadySocket } from "./socket.js";
export { ReconnectingWebSocket } from "./reconnecting.js";
export { SteadySocketError, SteadyEvent } from "./events.js";
