// The MessagePack wasm module, loaded as the main one is (js/load.ts).
import wasmInit, { initSync as wasmInitSync } from "../pkg/msgpack/steadysocket_msgpack.js";
import { WasmModule } from "./load.js";

export const MSGPACK = new WasmModule("MessagePack", "../pkg/msgpack/steadysocket_msgpack_bg.wasm", { init: wasmInit, initSync: wasmInitSync });
