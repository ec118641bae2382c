// Runs the edge smoke test in whatever runtime executes this file (Node, Deno,
// Bun): the package is imported by its name, as an app imports it, with no
// init call. Deno runs it without --allow-read: the package's deno entry
// imports its wasm as a module, so no file is read.
import { diagnostics, SteadySocket } from "steadysocket";
import { report, smoke } from "./smoke.mjs";

const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : `node ${process.version}`;
const server = process.env.STEADYSOCKET_TEST_SERVER;
const results = await smoke({ SteadySocket, diagnostics, server, scope: `smoke-${runtime.split(" ")[0]}-${Date.now()}` });
const failed = report(runtime, results);
process.exit(failed ? 1 : 0);
