// The MessagePack codec, in a wasm module of its own so that apps without it
// do not download it. Initialise it like the main module, then pass it:
//   import { msgpack, initMsgpack } from "steadysocket/msgpack";
//   await initMsgpack();   // or initMsgpackSync({ module })
//   new SteadySocket(url, { codec: msgpack });
import wasmInit, { initSync as wasmInitSync, jsonToMsgpack, msgpackToJson } from "../pkg/msgpack/steadysocket_msgpack.js";
import type { InitInput } from "./index.js";
import type { CodecObject } from "./types.js";

/** Initialises the MessagePack module (browsers, bundlers). */
export function initMsgpack(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<unknown> {
  return wasmInit(input);
}

/** Initialises it synchronously (Node, Deno, Bun, workers). */
export function initMsgpackSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown {
  return wasmInitSync(module);
}

/** Pass as `codec` to SteadySocket. */
export const msgpack: CodecObject & { readonly name: "msgpack" } = Object.freeze({
  name: "msgpack" as const,
  encode(message: unknown): Uint8Array {
    const json = JSON.stringify(message) as string | undefined;
    if (json === undefined) throw new TypeError(`${typeof message} is not encodable`);
    return jsonToMsgpack(json);
  },
  decode(data: string | ArrayBuffer): unknown {
    if (typeof data === "string") throw new TypeError("expected a binary MessagePack frame, got text");
    return JSON.parse(msgpackToJson(new Uint8Array(data)));
  },
});
