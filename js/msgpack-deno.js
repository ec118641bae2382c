// steadysocket/msgpack in Deno: see js/deno.js.
import source wasm from "../pkg/msgpack/steadysocket_msgpack_bg.wasm";
import { MSGPACK } from "./msgpack-module.js";

MSGPACK.provide(wasm);

export * from "./msgpack.js";
