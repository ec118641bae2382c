// steadysocket: a WebSocket client that stays connected.
//
// No init step: the wasm module loads when the first socket needs it
// (js/load.ts), synchronously where the runtime can read the file (Node,
// Deno, Bun, workerd), else by a fetch while the first sockets wait.
// init() preloads it. Importing this module does nothing else: no timers, no
// randomness, no listeners, no WebSocket lookup.
import { version as wasmVersion, diagnostics as wasmDiagnostics } from "../pkg/steadysocket.js";
import { SteadySocketError } from "./events.js";
import { loadResume, MAIN, resumeModule } from "./options.js";
import type { ModuleSource } from "./types.js";

// The package's own signatures for wasm-bindgen's functions: the public types
// do not reach into the generated glue's (which need newer TypeScript libs).
export type InitInput = string | URL | Request | Response | ModuleSource;

/**
 * Preloads the wasm module (optional): from the file next to the package by
 * default, or from the URL, Response or bytes given. Rejects with a
 * SteadySocketError ("load") saying why it could not, naming the directive to
 * add when a Content-Security-Policy forbids WebAssembly.
 */
export default function init(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<void> {
  return MAIN.init(input);
}
export { init };

/** Loads the wasm module synchronously from its bytes or a compiled module (optional). */
export function initSync(module: { module: ModuleSource }): void {
  MAIN.initSync(module);
}

/**
 * Preloads the resume module (optional), the one sockets with the resume
 * option use: they load it themselves when they need it.
 */
export function initResume(): Promise<void> {
  return loadResume();
}

/** Loads the module where that is synchronous; throws a SteadySocketError ("loading") where it is not yet loaded. */
function loaded(): void {
  if (!MAIN.loadSync()) throw new SteadySocketError("loading", "the wasm module is still loading: await init() first");
}

/** The package's version. */
export function version(): string {
  loaded();
  return wasmVersion();
}

/**
 * What every socket of the module holds right now (platform sockets,
 * listeners, timers) and how many pieces of work the library had to drop
 * (0 unless it has a bug).
 */
export function diagnostics(): { sockets: number; listeners: number; timers: number; dropped: number } {
  const none = { sockets: 0, listeners: 0, timers: 0, dropped: 0 };
  const main = MAIN.ready ? wasmDiagnostics() : none;
  // Sockets with the resume option live in the resume module: counted too.
  const resume = resumeModule()?.diagnostics() ?? none;
  return {
    sockets: main.sockets + resume.sockets,
    listeners: main.listeners + resume.listeners,
    timers: main.timers + resume.timers,
    dropped: main.dropped + resume.dropped,
  };
}

export { SteadySocket } from "./socket.js";
export { ReconnectingWebSocket, type ReconnectingWebSocketEventMap } from "./reconnecting.js";
export { SteadySocketError, SteadyEvent } from "./events.js";
export type * from "./types.js";
