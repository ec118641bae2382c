// The resume module: the package's wasm built with the resume protocol's
// client. Only sockets made with the resume option load it (js/options.ts
// imports this file dynamically, so bundlers split it out), and it loads
// like the main one (js/load.ts).
import wasmInit, { diagnostics, initSync as wasmInitSync, SocketCore } from "../pkg/resume/steadysocket_resume.js";
import { WasmModule } from "./load.js";

export const RESUME = new WasmModule("resume", "../pkg/resume/steadysocket_resume_bg.wasm", { init: wasmInit, initSync: wasmInitSync });
export { diagnostics, SocketCore };
