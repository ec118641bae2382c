// The MessagePack codec, in a wasm module of its own so that apps without it
// do not download it. Pass it as a socket's codec; no init call is needed:
//   import { msgpack } from "steadysocket/msgpack";
//   new SteadySocket(url, { codec: msgpack });
// The module loads as the main one does (js/load.ts); initMsgpack() preloads it.
import { decodeMsgpack, encodeMsgpack } from "../pkg/msgpack/steadysocket_msgpack.js";
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

/**
 * Pass as `codec` to SteadySocket. Values convert directly, with nothing
 * changed silently: a map with string keys is an object with no prototype
 * (other keys: a `Map`); integers beyond 2^53 are `BigInt`s; binary data is
 * a `Uint8Array`; the timestamp extension is a `Date` (or `{ sec, nsec }`
 * where a Date would lose precision), other extensions `{ type, data }`;
 * floats stay exact, NaN and ±Infinity included. What cannot be encoded (a
 * function, a symbol, a BigInt beyond 64 bits, nesting deeper than 512
 * levels or a cycle) throws a TypeError, and so do bytes left over after a
 * value.
 */
export const msgpack: CodecObject & { readonly name: "msgpack" } = Object.freeze({
  name: "msgpack" as const,
  [LOADER]: MSGPACK,
  encode(message: unknown): Uint8Array {
    loaded();
    return encodeMsgpack(message);
  },
  decode(data: string | ArrayBuffer): unknown {
    loaded();
    if (typeof data === "string") throw new TypeError("expected a binary MessagePack frame, got text");
    return decodeMsgpack(new Uint8Array(data));
  },
});
