// The differential harness of the drop-in: runs one scenario script against
// partysocket's ReconnectingWebSocket and against ours, on the test server,
// and records what a user of either can observe: every event in order with
// its fields, readyState, retryCount and bufferedAmount at each step and
// inside each handler, what send() returned or threw, the debug log, and what
// the server received. `views` maps the differences the README allows, so
// that a runner compares the two traces with deepEqual and prints both side
// by side.
//
// No Node API here: the same module runs in Node (tests/js/dropin.test.mjs)
// and inside a Chromium page (tests/pages/dropin.test.mjs); the test server
// is reached through server.mjs.
import { control, report, scope, sleep, wsUrl } from "./server.mjs";

/** The fields of an event a user reads, by type. */
function fieldsOf(e) {
  switch (e.type) {
    case "message":
      return { data: typeof e.data === "string" ? e.data : `<${e.data?.constructor?.name}>` };
    case "close":
      return { code: e.code, reason: e.reason, wasClean: e.wasClean };
    default:
      return {};
  }
}

/** A value as a trace shows it: errors by class and message. */
function shown(value) {
  if (value instanceof Error || (typeof DOMException === "function" && value instanceof DOMException)) {
    return `${value.name}: ${value.message}`;
  }
  return value;
}

/**
 * Runs `scenario` against `Class` and returns its trace. The scenario's
 * `args(url, env)` gives the constructor's arguments and `script(ws, step,
 * env)` drives it; `step(label, value?)` records readyState, retryCount and
 * bufferedAmount now, with an optional value (a send() result, say). Events
 * are recorded through addEventListener and through the on* handlers, each
 * with readyState and retryCount at dispatch. `env` has the test's scope and
 * URL, `control`, `report`, `sleep`, `until`, the runtime's `platform` options and a
 * `debugLogger` whose lines go into the trace. `setup(env)`, if given, runs
 * before the constructor (a fault for the first attempt, say), and
 * `teardown(env)` after the scenario, whatever happened.
 */
export async function trace(Class, scenario, platform = {}) {
  const { path = "/echo", setup, teardown, args, script, settle = 300, name, subclass = false } = scenario;
  const test = scope(`diff-${name}`);
  const url = wsUrl(path, test);
  const log = [];
  const debug = [];
  const env = {
    test,
    url,
    platform,
    control: (action, query) => control(action, test, query),
    report: (name) => report(name, test),
    sleep,
    until,
    // Quick retries for both; delays are compared within bounds (our
    // jitter), so the scripts wait on events, not on time.
    quick: { ...platform, minReconnectionDelay: 50, maxReconnectionDelay: 100, connectionTimeout: 1000 },
    // The event name and the types of the arguments, not the wording.
    debugLogger: (...line) => debug.push([line[0], line[1], ...line.slice(2).map((a) => typeof a)]),
  };
  const Used = subclass ? class extends Class {} : Class;
  await setup?.(env);
  try {
    return await run(Used, args(url, env), script, settle, env, log, debug);
  } finally {
    await teardown?.(env);
  }
}

async function run(Used, args, script, settle, env, log, debug) {
  const { test } = env;
  const at = (ws) => ({ readyState: ws.readyState, retryCount: ws.retryCount, bufferedAmount: ws.bufferedAmount });
  let ws;
  const step = (label, value) => log.push({ step: label, ...(value === undefined ? {} : { value: shown(value) }), ...at(ws) });
  try {
    ws = new Used(...args);
  } catch (e) {
    return { log: [{ step: "constructor threw", value: shown(e) }], server: [], debug };
  }
  for (const type of ["open", "message", "close", "error"]) {
    ws.addEventListener(type, (e) => log.push({ event: type, via: "listener", ...fieldsOf(e), ...at(ws) }));
    ws[`on${type}`] = (e) => log.push({ event: type, via: "on", ...fieldsOf(e), ...at(ws) });
  }
  ws.addEventListener("drop", (e) => log.push({ event: "drop", reason: e.reason }));
  step("constructed");
  try {
    await script(ws, step, env);
  } catch (e) {
    step("script threw", e);
  }
  await sleep(settle);
  step("end");
  try {
    ws.close();
  } catch {
    // already closed
  }
  ws.dispose?.();
  await sleep(50);
  const got = await report("received", test);
  // Faults off and every connection of the scope cut: a socket whose close
  // the server never answered (blackhole) would keep the process alive.
  await control("reset", test);
  await control("drop", test);
  return { log, server: got, debug };
}

/** Waits until `pred()` holds (polling), at most `ms`. */
export async function until(pred, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(10);
  }
  return false;
}

/**
 * The differences the README allows, mapped away on both sides (the traces
 * are printed unmapped):
 * - an abnormal drop reports 1006, where partysocket reports a synthetic 1000;
 * - partysocket's own bugs: a close re-dispatched through addEventListener
 *   in Node has wasClean: true and "unknown reason" for an empty reason, and
 *   in browsers carries code "close" and the event as its reason (only its
 *   onclose, dispatched just before, is right);
 * - our drop events have no counterpart (theirs drops silently).
 */
function mapped(log) {
  const out = [];
  let lastOn = null;
  for (const x of log) {
    if (x.event === "drop") continue;
    if (x.event !== "close") {
      out.push(x);
      continue;
    }
    let { wasClean, ...rest } = x;
    if (x.via === "on") lastOn = x;
    if (x.via === "listener" && x.code === "close" && lastOn) {
      rest = { ...rest, code: lastOn.code, reason: lastOn.reason };
    }
    out.push({ ...rest, code: rest.code === 1006 ? 1000 : rest.code, reason: rest.reason === "unknown reason" ? "" : rest.reason });
  }
  return out;
}

/**
 * What is compared, after mapping: the steps (readyState, retryCount,
 * bufferedAmount and values), the events in order with their fields, what
 * the server received, and the debug log's event names for the events a user
 * reads (with the types of their arguments).
 */
export function views({ log, server: got, debug }) {
  const read = ["connect", "open event", "send", "close event", "message event", "error event", "max retries reached", "enqueue"];
  return {
    steps: log.filter((x) => x.step).map((x) => JSON.stringify(x)),
    events: mapped(log)
      .filter((x) => x.event)
      .map((x) => JSON.stringify(x)),
    server: got,
    debug: debug.filter(([, name]) => read.includes(name)).map((line) => line.join(" ")),
    debugPrefixes: [...new Set(debug.map(([prefix]) => prefix))],
  };
}

/** Both traces, side by side, one line per entry. */
export function sideBySide(theirs, ours) {
  const show = (x) => (x ? JSON.stringify(x) : "");
  const n = Math.max(theirs.length, ours.length);
  const lines = [];
  for (let i = 0; i < n; i++) {
    const same = show(theirs[i]) === show(ours[i]);
    lines.push(`${same ? " " : "≠"} ${show(theirs[i]).padEnd(90)} | ${show(ours[i])}`);
  }
  return `partysocket${" ".repeat(81)} | steadysocket\n${lines.join("\n")}`;
}
