// The package's entry in Deno (the "deno" export condition). A source-phase
// import hands over the compiled wasm module with no file read, so no
// --allow-read permission is needed; it is instantiated when the first
// socket needs it. Plain JavaScript: TypeScript does not parse `import
// source` yet (the types are index.d.ts's). Copied to dist/ by the build.
import source wasm from "../pkg/steadysocket_bg.wasm";
import source resumeWasm from "../pkg/resume/steadysocket_resume_bg.wasm";
import { MAIN } from "./options.js";
import { RESUME } from "./resume-module.js";

MAIN.provide(wasm);
RESUME.provide(resumeWasm);

export * from "./index.js";
export { default } from "./index.js";
