// The differential harness of the drop-in: runs one scenario script against
// partysocket's ReconnectingWebSocket and against ours, on the test server,
// and records what a user of either can observe: every event in order with
// its fields, readyState and retryCount at each step, what send() returned or
// threw, bufferedAmount, and what the server received. A test compares the two
// traces after mapping the differences the README allows, and prints both
// side by side whenever they differ.
import { control, scope, sleep, wsUrl } from "./helpers.mjs";

const server = process.env.STEADYSOCKET_TEST_SERVER;

/** What the server's /echo received in a scope (text frames, oldest first). */
export async function received(test) {
  const r = await fetch(`http://${server}/control/received?test=${encodeURIComponent(test)}`);
  return r.json();
}

/** The fields of an event a user reads, by type. */
function fieldsOf(e) {
  switch (e.type) {
    case "message":
      return { data: typeof e.data === "string" ? e.data : `<${e.data?.constructor?.name}>` };
    case "close":
      return { code: e.code, reason: e.reason, wasClean: e.wasClean };
    case "error":
      return {};
    default:
      return {};
  }
}

/**
 * Runs `script(ws, step, t)` against `Class` with `args(url)` and returns the
 * trace. `step(label, value?)` records readyState and retryCount now, with an
 * optional value (a send() result, say). Events are recorded through
 * addEventListener and through the on* handlers, each with readyState and
 * retryCount at dispatch.
 */
export async function trace(Class, { path = "/echo", args, script, settle = 300, name }) {
  const t = scope(`diff-${name}`);
  const url = wsUrl(path, t);
  const log = [];
  const at = (ws) => ({ readyState: ws.readyState, retryCount: ws.retryCount });
  let ws;
  const step = (label, value) => log.push({ step: label, ...(value === undefined ? {} : { value }), ...at(ws) });
  try {
    ws = new Class(...args(url, t));
  } catch (e) {
    return { log: [{ step: "constructor threw", value: `${e.constructor.name}: ${e.message}` }], server: [] };
  }
  for (const type of ["open", "message", "close", "error"]) {
    ws.addEventListener(type, (e) => log.push({ event: type, via: "listener", ...fieldsOf(e), ...at(ws) }));
    ws[`on${type}`] = (e) => log.push({ event: type, via: "on", ...fieldsOf(e), ...at(ws) });
  }
  step("constructed");
  try {
    await script(ws, step, t, url);
  } catch (e) {
    step("script threw", `${e.constructor.name}: ${e.message}`);
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
  const server = await received(t);
  // Faults off and every connection of the scope cut: a socket whose close
  // the server never answered (blackhole) would keep the process alive.
  await control("reset", t);
  await control("drop", t);
  return { log, server };
}

/** Waits until `pred(log)` holds (polling), at most `ms`. */
export async function until(pred, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(10);
  }
  return false;
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

export { control, sleep };
