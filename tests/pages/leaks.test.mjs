// What is tested here, in headless Chromium (playwright-core, with gc()
// exposed): the leak measurement of tests/js/leak_body.mjs, run inside a
// page served by the test server. Disposed sockets, never started, open,
// waiting to reconnect, disposed inside handshake(), closed for good and
// dropped, and the drop-in, are garbage-collected with their wasm side, and
// wasm memory does not grow with them.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, serverUrl } from "./browser.mjs";
import { leakRun } from "../js/leak_body.mjs";

let context;
before(async () => {
  context = await launch(["--js-flags=--expose-gc"]);
});
after(async () => {
  await context?.close();
});

const CYCLES = { idle: 3000, open: 200, waiting: 50, handshake: 100, closed: 100, "drop-rws": 100 };

test("disposed sockets are collected with their wasm side in Chromium", async () => {
  const page = await context.newPage();
  // Any page of the server will do: the measurement imports the package itself.
  await page.goto(serverUrl("/control/stats?test=leak-page"));
  const version = await page.evaluate(() => navigator.userAgent);
  assert.match(version, /Chrome\//, "this step runs in Chromium");
  for (const [scenario, cycles] of Object.entries(CYCLES)) {
    const host = new URL(serverUrl()).host;
    const r = await page.evaluate(leakRun, {
      modulePath: "/js/index.js",
      host,
      scenario,
      cycles,
      warmup: 100,
      scope: `leak-page-${scenario}-${Date.now()}`,
    });
    console.log(`chromium leak ${scenario}: collected ${r.collected} of ${r.created}, wasm growth ${r.wasmGrowth} bytes`);
    assert.ok(r.collected >= 0.99 * r.created, `${scenario}: collected ${r.collected} of ${r.created}`);
    assert.ok(r.wasmGrowth <= 1 << 20, `${scenario}: wasm grew by ${r.wasmGrowth} bytes`);
  }
  await page.close();
});
