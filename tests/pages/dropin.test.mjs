// What is tested here: the drop-in's differential scenarios
// (tests/js/dropin_scenarios.mjs) in headless Chromium (playwright-core).
// Each scenario runs inside a page, against partysocket's
// ReconnectingWebSocket and against ours, on the test server; the traces
// come back to Node and are compared as in Node 22 (tests/js/dropin_compare.mjs),
// with the browser's own partysocket bug mapped (a close re-dispatched
// through addEventListener carries code "close"). The page gets partysocket's
// module and the harness through routes of the test's own; the package comes
// from the test server's /js/. A few scenarios run again on fresh pages
// where the wasm module has not loaded when our socket is built.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launch, serverUrl } from "./browser.mjs";
import { assertDifference, assertSame } from "../js/dropin_compare.mjs";
import { differences, scenarios } from "../js/dropin_scenarios.mjs";

const served = {
  "/test-modules/partysocket-ws.js": readFileSync(new URL(import.meta.resolve("partysocket/ws"))),
  "/test-modules/dropin_trace.mjs": readFileSync(new URL("../js/dropin_trace.mjs", import.meta.url)),
  "/test-modules/server.mjs": readFileSync(new URL("../js/server.mjs", import.meta.url)),
  "/test-modules/dropin_scenarios.mjs": readFileSync(new URL("../js/dropin_scenarios.mjs", import.meta.url)),
};

let context;
let page;

/**
 * A page of the test server with the harness loaded; `preload` awaits
 * init(), else the first socket built finds the wasm module not yet loaded.
 */
async function harnessPage(preload) {
  const page = await context.newPage();
  await page.route("**/test-modules/**", (route) => {
    const body = served[new URL(route.request().url()).pathname];
    return body ? route.fulfill({ body, contentType: "text/javascript" }) : route.fulfill({ status: 404 });
  });
  // Any page of the server will do: the modules are imported by the page.
  await page.goto(serverUrl("/control/stats?test=dropin-page"));
  const agent = await page.evaluate(() => navigator.userAgent);
  assert.match(agent, /Chrome\//, "this step runs in Chromium");
  await page.evaluate(
    async ({ host, preload }) => {
      globalThis.STEADYSOCKET_TEST_SERVER = host;
      const ours = await import("/js/index.js");
      if (preload) await ours.default();
      const party = await import("/test-modules/partysocket-ws.js");
      const harness = await import("/test-modules/dropin_trace.mjs");
      const { scenarios, differences, closeCodes } = await import("/test-modules/dropin_scenarios.mjs");
      const list = [...scenarios, ...differences];
      globalThis.dropin = { ours: ours.ReconnectingWebSocket, theirs: party.default, harness, list, closeCodes };
    },
    { host: new URL(serverUrl()).host, preload },
  );
  return page;
}

before(async () => {
  context = await launch();
  page = await harnessPage(true);
});
after(async () => {
  await context?.close();
});

/** Runs one scenario on both classes inside the page; returns both traces. */
function inPage(name, on = page) {
  return on.evaluate(async (name) => {
    const { ours, theirs, harness, list } = globalThis.dropin;
    const scenario = list.find((s) => s.name === name);
    return { theirs: await harness.trace(theirs, scenario), ours: await harness.trace(ours, scenario) };
  }, name);
}

for (const scenario of scenarios) {
  test(`chromium: ${scenario.title}`, async (t) => {
    const { theirs, ours } = await inPage(scenario.name);
    assertSame(t, ours, theirs);
  });
}

for (const scenario of differences) {
  test(`chromium: allowed difference: ${scenario.title}`, async (t) => {
    const { theirs, ours } = await inPage(scenario.name);
    assertDifference(t, scenario, ours, theirs);
  });
}

test("chromium: close(code, reason) coerces and refuses as the platform's own close()", async () => {
  const host = new URL(serverUrl()).host;
  const rows = await page.evaluate((url) => globalThis.dropin.closeCodes(globalThis.dropin.ours, url), `ws://${host}/echo?test=close-codes-page`);
  for (const row of rows) {
    assert.equal(row.ours, row.platform, `${row.call}: ${JSON.stringify(row)}`);
    assert.ok(row.readyState, `${row.call}: readyState CLOSED after a close taken, unchanged after one refused`);
  }
  assert.ok(rows.some((r) => r.platform === "InvalidAccessError") && rows.some((r) => r.platform === "SyntaxError"));
});

// Before the wasm module has loaded (no init() awaited: in a browser the
// module is fetched), a page's first drop-in socket starts early and hands
// its calls to the engine once the module is there. What a user sees must
// still be partysocket's: each of these runs on a fresh page, where ours is
// the first socket built.
for (const name of ["basic", "close-at-once", "close-connecting", "start-closed", "enqueued", "server-drop"]) {
  const scenario = scenarios.find((s) => s.name === name);
  test(`chromium, the wasm module not yet loaded: ${scenario.title}`, async (t) => {
    const fresh = await harnessPage(false);
    try {
      const loaded = await fresh.evaluate(async () => (await import("/js/index.js")).diagnostics().sockets);
      assert.equal(loaded, 0);
      const { theirs, ours } = await inPage(name, fresh);
      assertSame(t, ours, theirs);
    } finally {
      await fresh.close();
    }
  });
}
