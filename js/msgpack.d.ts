// Types of steadysocket/msgpack: the MessagePack codec, a wasm module of its own.
import type { CodecObject, InitInput } from "./index.js";

/** Pass as `codec` to SteadySocket. */
export const msgpack: CodecObject;
/** Initialises the MessagePack module (browsers, bundlers). */
export function initMsgpack(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<unknown>;
/** Initialises it synchronously (Node, Deno, Bun, workers). */
export function initMsgpackSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
