// The JS API's frames, both ways, normalised in one place: what a frame is
// (text, binary, a Blob to read first, or something unreadable), how many
// bytes it is, and in which order received ones go on. Received frames reach
// the JS API from the socket itself (SocketCore attaches this listener to
// every socket), and the engine hears of them only as far as it needs to
// (its frameNeed); sent ones go straight to the socket within the engine's
// allowance (DirectSend), else to SocketCore.send with their size.
import { FRAME_NEED, KIND } from "./generated/boundary.js";
import type { GuardedCore } from "./lifetime.js";

/** What the dispatcher takes: (kind, a, b), as SocketCore calls it. */
export type On = (kind: number, a?: any, b?: any) => void;

/**
 * An ArrayBuffer, from this realm or another (an iframe's, a vm context's, or
 * Node's under a jsdom test environment, where the global is jsdom's).
 */
export const isArrayBuffer = (data: unknown): data is ArrayBuffer =>
  data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]";

/** A Blob, where the runtime has them (workerd and older Node may not). */
export const isBlob = (data: unknown): data is Blob => typeof Blob !== "undefined" && data instanceof Blob;

/**
 * The UTF-8 size of `text` as far as `room` needs it: its upper bound (three
 * bytes per UTF-16 unit) while that fits in `room`, its lower bound (its
 * length) when even that does not, and the exact size only in between.
 */
function textBytes(text: string, room: number): number {
  const most = text.length * 3;
  if (most <= room) return most;
  if (text.length > room) return text.length;
  return utf8Length(text);
}

/**
 * The exact size of a frame to send, in bytes (UTF-8 for text), or -1 for
 * anything that is not a string, an ArrayBuffer or a typed array.
 */
export function frameBytes(data: unknown): number {
  if (typeof data === "string") return utf8Length(data);
  if (isArrayBuffer(data) || ArrayBuffer.isView(data)) return data.byteLength;
  // A Blob goes to the platform socket as it is (it reads it, in order).
  if (isBlob(data)) return data.size;
  return -1;
}

/**
 * The UTF-8 size of `text` as the socket encodes it (a lone surrogate as
 * U+FFFD, three bytes), counted without encoding it.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A pair: four bytes for two units.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Bytes of a text frame over `max`, or 0. */
function textOver(text: string, max: number): number {
  const bytes = textBytes(text, max);
  return bytes > max ? bytes : 0;
}

/**
 * The `message` listener of every socket: hands frames to `on(kind, a, b)`
 * and tells the engine what it needs of them (their arrival, for a heartbeat;
 * their content, for an exact pong, in which case the frame comes back from
 * the engine unless it is the pong). A Blob (a runtime that ignores
 * binaryType) is read asynchronously and the frames behind it wait for it, so
 * the order holds.
 */
export function directListener(core: GuardedCore, on: On, direct: Direct): (event: { data: unknown; target: unknown }) => void {
  const max = core.maxMessageSize;
  // It depends on the options alone.
  const need = core.frameNeed;
  // The last frame waiting behind a Blob, or null when none waits.
  let behind: Promise<void> | null = null;
  const take = (data: unknown, socket: unknown): Promise<void> | void => {
    if (isBlob(data)) {
      // binaryType is set to arraybuffer; a runtime that ignores it gets here.
      return data.arrayBuffer().then(
        (buffer) => handle(buffer, socket),
        () => on(KIND.UNREADABLE, "a Blob that could not be read"),
      );
    }
    handle(data, socket);
  };
  return (event) => {
    const data = event.data;
    if (behind === null && !isBlob(data)) return handle(data, event.target);
    const tail = (behind ?? Promise.resolve()).then(() => take(data, event.target));
    behind = tail;
    const settle = () => {
      if (behind === tail) behind = null;
    };
    tail.then(settle, settle);
  };

  function handle(data: unknown, socket: unknown): void {
    let over = 0;
    if (typeof data === "string") over = textOver(data, max);
    else {
      if (ArrayBuffer.isView(data)) data = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
      if (!isArrayBuffer(data)) return on(KIND.UNREADABLE, `a message of type ${typeof data}`);
      if (data.byteLength > max) over = data.byteLength;
      // One from another realm is copied into this one's, which the engine
      // (and wasm-bindgen's checks) recognise.
      else if (!(data instanceof ArrayBuffer)) data = new Uint8Array(data).slice().buffer;
    }
    // Resume numbers frames by their place: every one goes to the engine,
    // which hands back what to deliver (the limit is applied then); a text
    // frame stays here, delivered if the engine says so.
    if (need === FRAME_NEED.TEXT_ARRIVAL) {
      if (typeof data !== "string") return core.received(socket, data);
      // Counted here under the session's allowance (told to the engine
      // before its next step), else told now.
      if (!direct.arrived(socket) && !core.textArrived(socket, data)) return;
      return over ? on(KIND.TOO_LARGE, "text", over) : on(KIND.MESSAGE, data);
    }
    if (need === FRAME_NEED.EVERY) return core.received(socket, data);
    if (over) {
      // Too large to deliver, but it proves the link alive all the same.
      if (need !== FRAME_NEED.NOTHING) core.arrived(socket);
      return on(KIND.TOO_LARGE, typeof data === "string" ? "text" : "binary", over);
    }
    if (need === FRAME_NEED.CONTENT) return core.received(socket, data);
    if (need === FRAME_NEED.ARRIVAL) core.arrived(socket);
    on(KIND.MESSAGE, data);
  }
}

/** The platform socket as the direct path uses it. */
export interface Sendable {
  readonly readyState: number;
  send(data: unknown): void;
}

/**
 * A socket's direct path: what it may do itself within the engine's
 * allowance (kind DIRECT), without a call into wasm per message. Without
 * resume, DirectSend below; with resume, KeptDirectSend (js/resume-module.ts),
 * which also delivers text frames itself and keeps a tab of what it did
 * (kind TAB).
 */
export interface Direct {
  allow(ws: Sendable | null, limits?: unknown): void;
  send(data: unknown): boolean;
  arrived(socket: unknown): boolean;
  tab(): unknown;
}

/**
 * The direct send path. While the engine allows it (the socket is open,
 * nothing is queued, sends are below the high watermark) SocketCore reports
 * the socket and a byte allowance (kind DIRECT); sends within it go to the
 * socket from here, with no trip through wasm. Past the allowance the bytes
 * sent are reported in one call and the send takes the engine's path, which
 * holds or queues as backpressure says.
 */
export class DirectSend implements Direct {
  #core: GuardedCore;
  #ws: Sendable | null = null;
  #left = 0;
  #spent = 0;

  constructor(core: GuardedCore) {
    this.#core = core;
  }

  /** A DIRECT report: the socket (or null) and its allowance in bytes. */
  allow(ws: Sendable | null, allowance = 0): void {
    this.#ws = ws;
    this.#left = ws === null ? 0 : allowance;
    this.#spent = 0;
  }

  /** Text frames are told to the engine as frameNeed says (no allowance for them without resume). */
  arrived(_socket: unknown): boolean {
    return false;
  }

  /** Nothing is kept on a tab without resume. */
  tab(): null {
    return null;
  }

  /** Sends `data` now if it may go directly; false: use SocketCore.send. */
  send(data: unknown): boolean {
    const ws = this.#ws;
    if (ws === null) return false;
    // Bytes, as the engine counts them: for text, three per UTF-16 unit (its
    // most) while that fits, and the exact UTF-8 length only near the limit;
    // anything else as frameBytes measures it for the engine's path.
    const size = typeof data === "string" ? textBytes(data, this.#left) : frameBytes(data);
    // A closing socket, or anything frameBytes does not take: the engine's
    // path reports it properly.
    if (size < 0 || ws.readyState !== 1) return false;
    if (size > this.#left) {
      this.settle();
      return false;
    }
    ws.send(data);
    this.#left -= size;
    this.#spent += size;
    return true;
  }

  /** Reports the bytes sent directly; the allowance comes back renewed, or not. */
  settle(): void {
    const spent = this.#spent;
    this.#ws = null;
    this.#spent = 0;
    this.#core.sentDirectly(spent);
  }
}
