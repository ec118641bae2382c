// The MessagePack codec, in a wasm module of its own so that apps without it
// do not download it. Pass it as a socket's codec; no init call is needed:
//   import { msgpack } from "steadysocket/msgpack";
//   new SteadySocket(url, { codec: msgpack });
// The module loads as the main one does (js/load.ts); initMsgpack() preloads it.
import { jsonToMsgpack, msgpackToJson } from "../pkg/msgpack/steadysocket_msgpack.js";
import { SteadySocketError } from "./events.js";
import type { InitInput } from "./index.js";
import { LOADER } from "./load.js";
import { MSGPACK } from "./msgpack-module.js";
import type { CodecObject, ModuleSource } from "./types.js";

/** Preloads the MessagePack module (optional: a socket with this codec loads it). */
export function initMsgpack(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<void> {
  return MSGPACK.init(input);
}

/** Loads it synchronously from bytes or a compiled module (optional). */
export function initMsgpackSync(module: { module: ModuleSource }): void {
  MSGPACK.initSync(module);
}

function loaded(): void {
  if (!MSGPACK.loadSync()) {
    throw new SteadySocketError("loading", "the MessagePack module is still loading: await initMsgpack() first, or let a socket with this codec load it");
  }
}

/** Pass as `codec` to SteadySocket. */
export const msgpack: CodecObject & { readonly name: "msgpack" } = Object.freeze({
  name: "msgpack" as const,
  [LOADER]: MSGPACK,
  encode(message: unknown): Uint8Array {
    loaded();
    const json = JSON.stringify(message) as string | undefined;
    if (json === undefined) throw new TypeError(`${typeof message} is not encodable`);
    return jsonToMsgpack(json);
  },
  decode(data: string | ArrayBuffer): unknown {
    loaded();
    if (typeof data === "string") throw new TypeError("expected a binary MessagePack frame, got text");
    return JSON.parse(msgpackToJson(new Uint8Array(data)));
  },
});
