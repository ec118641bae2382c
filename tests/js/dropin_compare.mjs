// How the drop-in's two runners (Node: tests/js/dropin.test.mjs, Chromium:
// tests/pages/dropin.test.mjs) compare a scenario's two traces: the views of
// dropin_trace.mjs, after the allowed differences are mapped, must be equal;
// both traces are printed side by side first.
import assert from "node:assert/strict";
import { sideBySide, views } from "./dropin_trace.mjs";

function print(t, ours, theirs) {
  t.diagnostic(`\n${sideBySide(theirs.log, ours.log)}\nserver received: ${JSON.stringify(theirs.server)} | ${JSON.stringify(ours.server)}`);
}

/** The scenario's one allowed difference, and nothing else, by its `check`. */
export function assertDifference(t, scenario, ours, theirs) {
  print(t, ours, theirs);
  for (const [got, expected, what] of scenario.check(theirs, ours)) assert.deepEqual(got, expected, what);
}

export function assertSame(t, ours, theirs) {
  print(t, ours, theirs);
  if (theirs.debug.length || ours.debug.length) t.diagnostic(`\ndebug:\n${sideBySide(theirs.debug, ours.debug)}`);
  const a = views(ours);
  const b = views(theirs);
  assert.deepEqual(a.steps, b.steps, "steps: readyState, retryCount, bufferedAmount and values at each step");
  assert.deepEqual(a.events, b.events, "events in order, with their fields, readyState and retryCount");
  assert.deepEqual(a.server, b.server, "what the server received");
  assert.deepEqual(a.debug, b.debug, "the debug log's events and argument types");
  assert.ok(a.debugPrefixes.every((p) => p === "RWS>"), `debug lines start with RWS>: ${a.debugPrefixes}`);
}
