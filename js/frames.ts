// The direct message path: without a heartbeat the engine needs nothing of a
// received frame, so SocketCore attaches this listener to the socket itself
// and frames reach the JS API without a trip through wasm.
import { KIND } from "./generated/boundary.js";
import type { GuardedCore } from "./lifetime.js";

/** What the dispatcher takes: (kind, a, b), as SocketCore calls it. */
export type On = (kind: number, a?: any, b?: any) => void;

let encoder: TextEncoder | undefined;

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
  return (encoder ??= new TextEncoder()).encode(text).length;
}

/** Bytes of a text frame over `max`, or 0. */
function textOver(text: string, max: number): number {
  const bytes = textBytes(text, max);
  return bytes > max ? bytes : 0;
}

/**
 * A `message` listener that hands frames to `on(kind, a, b)` like SocketCore
 * does. A Blob (a runtime that ignores binaryType) is read asynchronously and
 * the frames behind it wait for it, so the order holds.
 */
export function directListener(core: GuardedCore, on: On): (event: { data: unknown }) => void {
  const max = core.maxMessageSize;
  // The last frame waiting behind a Blob, or null when none waits.
  let behind: Promise<void> | null = null;
  const take = (data: unknown): Promise<void> | void => {
    if (isBlob(data)) {
      // binaryType is set to arraybuffer; a runtime that ignores it gets here.
      return data.arrayBuffer().then(
        (buffer) => handle(buffer),
        () => on(KIND.UNREADABLE, "a Blob that could not be read"),
      );
    }
    handle(data);
  };
  return (event) => {
    const data = event.data;
    if (behind === null && !isBlob(data)) return handle(data);
    const tail = (behind ?? Promise.resolve()).then(() => take(data));
    behind = tail;
    const settle = () => {
      if (behind === tail) behind = null;
    };
    tail.then(settle, settle);
  };

  function handle(data: unknown): void {
    if (typeof data === "string") {
      const over = textOver(data, max);
      return over ? on(KIND.TOO_LARGE, "text", over) : on(KIND.MESSAGE, data);
    }
    if (ArrayBuffer.isView(data)) data = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    if (data instanceof ArrayBuffer) {
      return data.byteLength > max ? on(KIND.TOO_LARGE, "binary", data.byteLength) : on(KIND.MESSAGE, data);
    }
    return on(KIND.UNREADABLE, `a message of type ${typeof data}`);
  }
}

/** The platform socket as the direct send path uses it. */
interface Sendable {
  readonly readyState: number;
  send(data: unknown): void;
}

/**
 * The direct send path. While the engine allows it (the socket is open,
 * nothing is queued, sends are below the high watermark) SocketCore reports
 * the socket and a byte allowance (kind DIRECT); sends within it go to the
 * socket from here, with no trip through wasm. Past the allowance the bytes
 * sent are reported in one call and the send takes the engine's path, which
 * holds or queues as backpressure says.
 */
export class DirectSend {
  #core: GuardedCore;
  #ws: Sendable | null = null;
  #left = 0;
  #spent = 0;

  constructor(core: GuardedCore) {
    this.#core = core;
  }

  /** A DIRECT report: the socket (or null) and its allowance in bytes. */
  allow(ws: Sendable | null, allowance: number): void {
    this.#ws = ws;
    this.#left = ws === null ? 0 : allowance;
    this.#spent = 0;
  }

  /** Sends `data` now if it may go directly; false: use SocketCore.send. */
  send(data: unknown): boolean {
    const ws = this.#ws;
    if (ws === null) return false;
    // Bytes, as the engine counts them: for text, three per UTF-16 unit (its
    // most) while that fits, and the exact UTF-8 length only near the limit.
    const size = typeof data === "string" ? textBytes(data, this.#left) : (data as { byteLength?: unknown } | null)?.byteLength;
    // A closing socket, or anything but a string or binary data: the engine's
    // path reports it properly.
    if (typeof size !== "number" || ws.readyState !== 1) return false;
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
