// steadysocket/msgpack in Cloudflare's workerd: see js/workerd.ts.
import wasm from "../pkg/msgpack/steadysocket_msgpack_bg.wasm";
import { MSGPACK } from "./msgpack-module.js";

MSGPACK.provide(wasm);

export * from "./msgpack.js";
