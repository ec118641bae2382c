// The network rows (echo throughput, latency, 1 MB binary), run by the page
// itself in a Chromium that no DevTools client is attached to.
//
// Under playwright, Chromium reports every WebSocket frame to the DevTools
// client (its Network domain): that reporting, in the browser process and in
// Node, cost about twice what the echo itself did (about 5,500 messages a
// second against about 16,000 without it) and moved from round to round
// with the load of processes that are not the client measured. bench/run.mjs starts Chromium
// on unwatched.html with a collector's address; this module runs the rounds
// and posts each result there as JSON (a plain text POST: no preflight).
import { benches, rustEchoes } from "./bench.js";
import { clients, steady } from "./clients.js";

const query = new URLSearchParams(location.search);
const collector = query.get("collector");
const post = (body) => fetch(collector, { method: "POST", body: JSON.stringify(body), mode: "no-cors" });
const plan = JSON.parse(query.get("plan") ?? "{}");
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);

addEventListener("error", (e) => post({ error: String(e.message) }));
addEventListener("unhandledrejection", (e) => post({ error: String(e.reason?.stack ?? e.reason) }));

// What proves that no automation watched: navigator.webdriver is true in a
// browser driven over DevTools by playwright (it passes --enable-automation).
await post({ hello: { webdriver: navigator.webdriver, userAgent: navigator.userAgent } });

// scripts/bench-baseline.sh serves an older commit's build under /baseline/: its JS
// API and its Rust API's echo become clients of their own, measured in the
// same rounds as this build's.
if (plan.baseline) {
  const old = await import("/baseline/js/index.js");
  await old.default();
  clients["steadysocket-baseline"] = (url, opts = {}) => steady(url, opts, (s, deliver) => s.onMessage(deliver), old.SteadySocket);
  const oldRust = await import("/baseline/rust/steadysocket.js");
  await oldRust.default();
  rustEchoes["rust-baseline"] = oldRust.benchRustEcho;
}

async function rows() {
  for (const c of plan.net) await benches.throughput(c, 300);
  for (let r = 0; r < plan.echoRounds; r++) {
    const round = {};
    // The runner reads the browser's CPU time at each mark (it answers once read).
    for (const c of rotate(plan.net, r)) round[c] = await benches.throughput(c, plan.ms, plan.window ?? 32, (mark) => post({ mark, client: c }));
    await post({ row: "throughput", round });
  }
  for (let r = 0; r < plan.latencyRounds; r++) {
    const round = {};
    for (const c of rotate(plan.net, r)) round[c] = await benches.latency(c, plan.samples);
    await post({ row: "latency", round });
  }
  for (let r = 0; r < plan.rounds; r++) {
    const round = {};
    for (const c of rotate(plan.binary, r)) round[c] = await benches.binary(c, 10);
    await post({ row: "binary", round });
  }
}

rows().then(
  () => post({ done: true }),
  (e) => post({ error: String(e?.stack ?? e) }),
);
