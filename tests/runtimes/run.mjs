// Runs the edge smoke test in whatever runtime executes this file (Node, Deno,
// Bun): the package is loaded the way those runtimes load it, initSync with
// the wasm bytes.
import { readFileSync } from "node:fs";
import { diagnostics, initSync, SteadySocket } from "../../dist/index.js";
import { report, smoke } from "./smoke.mjs";

const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : `node ${process.version}`;
initSync({ module: readFileSync(new URL("../../pkg/steadysocket_bg.wasm", import.meta.url)) });
const server = process.env.STEADYSOCKET_TEST_SERVER;
const results = await smoke({ SteadySocket, diagnostics, server, scope: `smoke-${runtime.split(" ")[0]}-${Date.now()}` });
const failed = report(runtime, results);
process.exit(failed ? 1 : 0);
