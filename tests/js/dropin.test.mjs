// What is tested here: the drop-in, differentially, in Node. Each scenario of
// dropin_scenarios.mjs runs the same script against partysocket's
// ReconnectingWebSocket (what partysocket's `WebSocket` export is) and against
// ours, on the test server, and compares what a user observes: events in
// order with their fields, readyState, retryCount and bufferedAmount at each
// step and inside each handler, send()'s return values, what the server
// received, and the debug log's event names and argument types. The
// differences the README allows are mapped before comparing (dropin_trace.mjs),
// and both traces are printed side by side for every scenario. The same
// scenarios run in Chromium in tests/pages/dropin.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket as PartySocket } from "partysocket";
import { control, platform } from "./helpers.mjs";
import { trace } from "./dropin_trace.mjs";
import { assertDifference, assertSame } from "./dropin_compare.mjs";
import { closeCodes, differences, scenarios } from "./dropin_scenarios.mjs";
import { ReconnectingWebSocket } from "../../dist/index.js";

for (const scenario of scenarios) {
  test(scenario.title, async (t) => {
    const theirs = await trace(PartySocket, scenario, platform);
    const ours = await trace(ReconnectingWebSocket, scenario, platform);
    assertSame(t, ours, theirs);
  });
}

for (const scenario of differences) {
  test(`allowed difference: ${scenario.title}`, async (t) => {
    const theirs = await trace(PartySocket, scenario, platform);
    const ours = await trace(ReconnectingWebSocket, scenario, platform);
    assertDifference(t, scenario, ours, theirs);
  });
}

// Not partysocket's behaviour but the platform's (see closeCodes). Node 20
// has no platform WebSocket to compare with (`ws` has rules of its own).
const native = typeof globalThis.WebSocket === "function" ? test : test.skip;
native("close(code, reason) coerces and refuses as the platform's own close()", async () => {
  const rows = await closeCodes(ReconnectingWebSocket, `ws://${process.env.STEADYSOCKET_TEST_SERVER}/echo?test=close-codes`);
  await control("drop", "close-codes");
  for (const row of rows) {
    assert.equal(row.ours, row.platform, `${row.call}: ${JSON.stringify(row)}`);
    assert.ok(row.readyState, `${row.call}: readyState CLOSED after a close taken, unchanged after one refused`);
  }
  assert.ok(rows.some((r) => r.platform === "ok") && rows.some((r) => r.platform === "InvalidAccessError") && rows.some((r) => r.platform === "SyntaxError"));
});
