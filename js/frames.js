// The direct message path: without a heartbeat the engine needs nothing of a
// received frame, so SocketCore attaches this listener to the socket itself
// and frames reach the JS API without a trip through wasm.
import { KIND } from "./events.js";

let encoder;

/** Bytes of a text frame over `max`, or 0. UTF-8 takes 1 to 3 bytes per UTF-16 unit. */
function textOver(text, max) {
  if (text.length * 3 <= max) return 0;
  const bytes = text.length > max ? text.length : (encoder ??= new TextEncoder()).encode(text).length;
  return bytes > max ? bytes : 0;
}

/** A `message` listener that hands frames to `on(kind, a, b)` like SocketCore does. */
export function directListener(core, on) {
  const max = core.maxMessageSize;
  return (event) => {
    let data = event.data;
    if (typeof data === "string") {
      const over = textOver(data, max);
      return over ? on(KIND.TOO_LARGE, "text", over) : on(KIND.MESSAGE, data);
    }
    if (ArrayBuffer.isView(data)) data = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    if (data instanceof ArrayBuffer) {
      return data.byteLength > max ? on(KIND.TOO_LARGE, "binary", data.byteLength) : on(KIND.MESSAGE, data);
    }
    if (typeof Blob !== "undefined" && data instanceof Blob) {
      // binaryType is set to arraybuffer; a runtime that ignores it gets here.
      return void data.arrayBuffer().then(
        (buffer) => on(KIND.MESSAGE, buffer),
        () => on(KIND.UNREADABLE, "a Blob that could not be read"),
      );
    }
    return on(KIND.UNREADABLE, `a message of type ${typeof data}`);
  };
}
