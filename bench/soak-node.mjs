// The soak rows in Node 22: 10,000 create/dispose cycles and 1,000
// connect/echo/dispose cycles, measured from outside the library (see
// tests/js/leak_body.mjs). Run with --expose-gc. Prints JSON.
import { readFileSync } from "node:fs";
import { initSync } from "../dist/index.js";
import { leakRun } from "../tests/js/leak_body.mjs";

initSync({ module: readFileSync(new URL("../pkg/steadysocket_bg.wasm", import.meta.url)) });
const host = process.env.STEADYSOCKET_TEST_SERVER;
const modulePath = new URL("../dist/index.js", import.meta.url).href;
const idle = await leakRun({ modulePath, host, scenario: "idle", cycles: 10_000, warmup: 100, scope: `soak-idle-${Date.now()}` });
const echo = await leakRun({ modulePath, host, scenario: "echo", cycles: 1_000, warmup: 100, scope: `soak-echo-${Date.now()}` });
delete idle.stats;
delete echo.stats;
console.log(JSON.stringify({ idle, echo }));
process.exit(0);
