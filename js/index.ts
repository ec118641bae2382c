// steadysocket: a WebSocket client that stays connected.
//
// Initialise the wasm module once before creating sockets:
//   browsers, Vite:        await init();
//   Node, Deno, Bun:       initSync({ module: bytes });
//   Cloudflare workers:    initSync({ module: wasmModule });
// Importing this module does nothing else: no timers, no randomness, no
// listeners, no WebSocket lookup.
import wasmInit, { initSync as wasmInitSync, version as wasmVersion, diagnostics as wasmDiagnostics } from "../pkg/steadysocket.js";

// The package's own signatures for wasm-bindgen's functions: the public types
// do not reach into the generated glue's (which need newer TypeScript libs).
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Initialises the wasm module from a URL, a Response or bytes (browsers, Vite). */
export default function init(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<unknown> {
  return wasmInit(input);
}
export { init };

/** Initialises the wasm module synchronously from bytes or a compiled module (Node, Deno, Bun, workers). */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown {
  return wasmInitSync(module);
}

/** The package's version. */
export function version(): string {
  return wasmVersion();
}

/**
 * What every socket of the module holds right now (platform sockets,
 * listeners, timers) and how many pieces of work the library had to drop
 * (0 unless it has a bug).
 */
export function diagnostics(): { sockets: number; listeners: number; timers: number; dropped: number } {
  return wasmDiagnostics();
}

export { SteadySocket } from "./socket.js";
export { ReconnectingWebSocket, type ReconnectingWebSocketEventMap } from "./reconnecting.js";
export { SteadySocketError, SteadyEvent } from "./events.js";
export type * from "./types.js";
