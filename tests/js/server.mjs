// The test server, as the JS tests reach it: its address, scopes, WebSocket
// URLs, the control API and its reports. No Node API here: the same module
// serves the Node suites (through helpers.mjs) and the drop-in's harness
// inside a Chromium page. The address comes from STEADYSOCKET_TEST_SERVER, in
// the environment or set on globalThis by the page.

const server = globalThis.process?.env?.STEADYSOCKET_TEST_SERVER ?? globalThis.STEADYSOCKET_TEST_SERVER;
if (!server) throw new Error("STEADYSOCKET_TEST_SERVER is not set: run scripts/test.sh");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const runtime = globalThis.process?.version ?? "page";

/** A scope unique to this run. */
export const scope = (name) => `${name}-${runtime}-${Math.floor(Math.random() * 1e9)}`;

export const wsUrl = (path, test, query = "") => `ws://${server}${path}?test=${test}${query}`;

/** A fault of the test server, in one test's scope. */
export async function control(action, test, query = "") {
  const res = await fetch(`http://${server}/control/${action}?test=${test}&${query}`, { method: "POST" });
  if (!res.ok) throw new Error(`control ${action}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A report of the test server (stats, received, closes) for one scope. */
export async function report(name, test) {
  return (await fetch(`http://${server}/control/${name}?test=${encodeURIComponent(test)}`)).json();
}
