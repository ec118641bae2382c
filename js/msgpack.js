// The MessagePack codec, in a wasm module of its own so that apps without it
// do not download it. Initialise it like the main module, then pass it:
//   import { msgpack, initMsgpack } from "steadysocket/msgpack";
//   await initMsgpack();   // or initMsgpackSync({ module })
//   new SteadySocket(url, { codec: msgpack });
import { jsonToMsgpack, msgpackToJson } from "../pkg/msgpack/steadysocket_msgpack.js";

export { default as initMsgpack, initSync as initMsgpackSync } from "../pkg/msgpack/steadysocket_msgpack.js";

export const msgpack = Object.freeze({
  name: "msgpack",
  encode(message) {
    const json = JSON.stringify(message);
    if (json === undefined) throw new TypeError(`${typeof message} is not encodable`);
    return jsonToMsgpack(json);
  },
  decode(data) {
    if (typeof data === "string") throw new TypeError("expected a binary MessagePack frame, got text");
    return JSON.parse(msgpackToJson(new Uint8Array(data)));
  },
});
