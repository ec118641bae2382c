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
import { platform } from "./helpers.mjs";
import { sideBySide, trace, views, control } from "./dropin_trace.mjs";
import { scenarios } from "./dropin_scenarios.mjs";
import { ReconnectingWebSocket } from "../../dist/index.js";

/** Compares two traces' views, naming what differs. */
export function assertSame(ours, theirs) {
  const a = views(ours);
  const b = views(theirs);
  assert.deepEqual(a.steps, b.steps, "steps: readyState, retryCount, bufferedAmount and values at each step");
  assert.deepEqual(a.events, b.events, "events in order, with their fields, readyState and retryCount");
  assert.deepEqual(a.server, b.server, "what the server received");
  assert.deepEqual(a.debug, b.debug, "the debug log's events and argument types");
  assert.ok(a.debugPrefixes.every((p) => p === "RWS>"), `debug lines start with RWS>: ${a.debugPrefixes}`);
}

for (const scenario of scenarios) {
  test(scenario.title, async (t) => {
    const theirs = await trace(PartySocket, scenario, platform);
    const ours = await trace(ReconnectingWebSocket, scenario, platform);
    t.diagnostic(`\n${sideBySide(theirs.log, ours.log)}\nserver received: ${JSON.stringify(theirs.server)} | ${JSON.stringify(ours.server)}`);
    if (theirs.debug.length || ours.debug.length) t.diagnostic(`\ndebug:\n${sideBySide(theirs.debug, ours.debug)}`);
    assertSame(ours, theirs);
  });
}

// Not partysocket's behaviour but the platform's: partysocket hands the code
// to the platform socket and swallows what it throws (and then reads CLOSED
// while the platform socket stays open, a bug of theirs the README lists).
// Ours coerces and refuses codes and reasons as the platform's close() does.
// Node 20 has no platform WebSocket to compare with (`ws` has rules of its own).
const native = typeof globalThis.WebSocket === "function" ? test : test.skip;
native("close(code, reason) coerces and refuses as the platform's own close()", async () => {
  const WS = globalThis.WebSocket;
  const cases = [
    [66536],
    [65535],
    [1000.4],
    [2999.5],
    [3000.5],
    ["4000"],
    [NaN],
    [-1],
    [1001],
    [1000, "é".repeat(62)],
    [4000, "x".repeat(123)],
  ];
  const outcome = (f) => {
    try {
      f();
      return "ok";
    } catch (e) {
      return `${e.name}`;
    }
  };
  const url = `ws://${process.env.STEADYSOCKET_TEST_SERVER}/echo?test=close-codes`;
  for (const [code, reason] of cases) {
    const raw = new WS(url);
    const ours = new ReconnectingWebSocket(url, undefined, platform);
    await new Promise((r) => setTimeout(r, 0));
    const expected = outcome(() => raw.close(code, reason));
    const before = ours.readyState;
    const got = outcome(() => ours.close(code, reason));
    assert.equal(got, expected, `close(${JSON.stringify(code)}, ${reason === undefined ? "" : `${reason.length} chars`})`);
    assert.equal(ours.readyState, got === "ok" ? 3 : before, "a refused close() changes nothing; one taken reads CLOSED");
    ours.dispose();
    if (expected !== "ok") raw.close();
  }
  await control("drop", "close-codes");
});
