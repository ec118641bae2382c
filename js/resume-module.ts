// The resume module: the package's wasm built with the resume protocol's
// client. Only sockets made with the resume option load it (js/options.ts
// imports this file dynamically, so bundlers split it out), and it loads
// like the main one (js/load.ts).
import wasmInit, { diagnostics, initSync as wasmInitSync, SocketCore } from "../pkg/resume/steadysocket_resume.js";
import { utf8Length, type Direct, type Sendable } from "./frames.js";
import { WasmModule } from "./load.js";

export const RESUME = new WasmModule("resume", "../pkg/resume/steadysocket_resume_bg.wasm", { init: wasmInit, initSync: wasmInitSync });
export { diagnostics, SocketCore };

/**
 * The direct path of a socket with resume (see Direct in js/frames.ts).
 * While the engine allows it (the session is in force, the socket open,
 * nothing queued, below the high watermark, room in the session's window),
 * texts are sent to the socket from here and text frames of that socket are
 * delivered from here (up to `arrivals` between two tabs, which keeps the
 * acknowledgements on time). What it did is the tab, which the core takes
 * (kind TAB) before its every next step: the texts are then numbered and
 * kept for replay in their order and the arrivals counted, as if each had
 * gone through the core. Binary data needs the protocol's envelope: it
 * takes the core's path.
 */
export class KeptDirectSend implements Direct {
  #ws: Sendable | null = null;
  #left = 0;
  #messages = 0;
  #arrivals = 0;
  #granted = 0;
  #sent: string[] = [];
  #lengths: number[] = [];
  #arrived = 0;

  /** A DIRECT report: the socket (or null) and its limits [bytes, messages, arrivals]. */
  allow(ws: Sendable | null, limits?: readonly number[]): void {
    const [bytes = 0, messages = 0, arrivals = 0] = ws === null ? [] : (limits ?? []);
    this.#ws = ws;
    this.#left = bytes;
    this.#messages = messages;
    this.#arrivals = this.#granted = arrivals;
  }

  /** Sends a text now, on the tab, if it fits the allowance; false: use SocketCore.send. */
  send(data: unknown): boolean {
    const ws = this.#ws;
    if (ws === null || typeof data !== "string" || this.#messages === 0 || ws.readyState !== 1) return false;
    // Its exact UTF-8 size, as the core's path measures it.
    const size = utf8Length(data);
    if (size > this.#left) return false;
    ws.send(data);
    this.#left -= size;
    this.#messages--;
    this.#sent.push(data);
    this.#lengths.push(size);
    return true;
  }

  /** Whether a text frame that arrived on `socket` is delivered here, on the tab. */
  arrived(socket: unknown): boolean {
    if (socket !== this.#ws || this.#arrivals === 0) return false;
    this.#arrivals--;
    this.#arrived++;
    return true;
  }

  /** The core takes the tab: null, or [arrivals, the texts' UTF-8 lengths, the texts]. */
  tab(): [number, Uint32Array, string[]] | null {
    if (this.#arrived === 0 && this.#sent.length === 0) return null;
    const tab: [number, Uint32Array, string[]] = [this.#arrived, Uint32Array.from(this.#lengths), this.#sent];
    this.#arrived = 0;
    this.#sent = [];
    this.#lengths = [];
    this.#arrivals = this.#granted;
    return tab;
  }
}
