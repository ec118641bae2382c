// The package's entry in Cloudflare's workerd (the "workerd" export
// condition). workerd cannot compile wasm from bytes at run time, but it can
// import a .wasm file as a compiled module: this entry does, and the module
// is instantiated when the first socket needs it. Nothing runs on import.
import wasm from "../pkg/steadysocket_bg.wasm";
import resumeWasm from "../pkg/resume/steadysocket_resume_bg.wasm";
import { MAIN } from "./options.js";
import { RESUME } from "./resume-module.js";

MAIN.provide(wasm);
RESUME.provide(resumeWasm);

export * from "./index.js";
export { default } from "./index.js";
