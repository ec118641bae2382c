// The in-page benchmarks. bench/run.mjs loads this page in headless Chromium,
// calls window.bench(name, options) for each figure and does the arithmetic.
import init, { SteadySocket } from "steadysocket";
import initRust, { benchRustEcho, benchRustLatency, benchRustReceive, benchRustSend } from "/rust/steadysocket.js";
import { clients } from "./clients.js";
import { FakeWebSocket } from "./fake-websocket.js";

await init();
// The module's exports (its memory), from wasm-bindgen's glue, which returns them once loaded.
const wasm = await (await import("/pkg/steadysocket.js")).default();
await initRust();
const host = location.host;
const url = (path, test) => `ws://${host}${path}?test=${test}`;
const control = (action, test, query = "") => fetch(`/control/${action}?test=${test}&${query}`, { method: "POST" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PAYLOAD = "x".repeat(64);
/** The Rust API's echo by client name (scripts/bench-baseline.sh adds an older build's). */
export const rustEchoes = { rust: benchRustEcho };
const message = (id) => ({ id, t: performance.now(), payload: PAYLOAD }); // ~100 bytes as JSON
let scopes = 0;
const scope = (name) => `bench-${name}-${++scopes}`;
const once = (target, type, pick = () => true) =>
  new Promise((resolve) => target.addEventListener(type, function on(e) {
    if (!pick(e)) return;
    target.removeEventListener(type, on);
    resolve(e);
  }));

/**
 * Echo throughput, messages a second. `around(when)`, if given, is awaited
 * just before the timed part ("start") and just after it ("end"): the
 * unwatched runner reads the browser's CPU time there.
 */
async function throughput(name, ms, window = 32, around = async () => {}) {
  if (rustEchoes[name]) {
    await around("start");
    const received = await rustEchoes[name](url("/echo", scope(name)), ms, window, PAYLOAD);
    await around("end");
    return received / (ms / 1000);
  }
  const c = clients[name](url("/echo", scope(name)));
  await c.ready;
  await around("start");
  let received = 0;
  let id = 0;
  const end = performance.now() + ms;
  await new Promise((resolve) => {
    c.onMessage(() => {
      received++;
      if (performance.now() < end) c.send(message(++id));
      else resolve();
    });
    for (let i = 0; i < window; i++) c.send(message(++id));
  });
  await around("end");
  c.close();
  return received / (ms / 1000);
}

async function latency(name, samples) {
  if (name === "rust") return Array.from(await benchRustLatency(url("/echo", scope("rust")), samples, PAYLOAD));
  const c = clients[name](url("/echo", scope(name)));
  await c.ready;
  const rtts = [];
  for (let i = 0; i < samples; i++) {
    const back = new Promise((r) => c.onMessage(r));
    const t = performance.now();
    c.send(message(i));
    await back;
    rtts.push(performance.now() - t);
    await sleep(2);
  }
  c.close();
  return rtts;
}

async function binary(name, count) {
  const c = clients[name](url("/echo", scope(name)), { binary: true });
  await c.ready;
  const buffer = new Uint8Array(1 << 20).fill(7).buffer;
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const back = new Promise((r) => c.onMessage(r));
    c.send(buffer.slice(0));
    const data = await back;
    if (data.byteLength !== buffer.byteLength) throw new Error(`${name}: got ${data.byteLength} bytes`);
  }
  const seconds = (performance.now() - t) / 1000;
  c.close();
  return (count * 2) / seconds; // MB/s, both directions
}

/** The receive path without the network, ns per message. */
async function receiveCost(name, n) {
  const text = JSON.stringify(message(1));
  if (name === "rust") {
    const ms = await benchRustReceive(FakeWebSocket, () => FakeWebSocket.last.deliver(text, n), n);
    return (ms * 1e6) / n;
  }
  if (name === "baseline") {
    let sum = 0;
    const cb = (m) => (sum += m.id);
    const t = performance.now();
    for (let i = 0; i < n; i++) cb(JSON.parse(text));
    return ((performance.now() - t) * 1e6) / n;
  }
  const c = clients[name]("ws://fake/", { WebSocket: FakeWebSocket });
  await c.ready;
  let got = 0;
  c.onMessage(() => got++);
  const t = performance.now();
  FakeWebSocket.last.deliver(text, n);
  const ns = ((performance.now() - t) * 1e6) / n;
  if (got !== n) throw new Error(`${name}: ${got} of ${n} delivered`);
  c.close();
  return ns;
}

/** The send path without the network, ns per message. */
async function sendCost(name, n) {
  if (name === "rust") return ((await benchRustSend(FakeWebSocket, n, PAYLOAD)) * 1e6) / n;
  if (name === "baseline") {
    const fake = new FakeWebSocket("ws://fake/");
    const t = performance.now();
    for (let i = 0; i < n; i++) fake.send(JSON.stringify(message(i)));
    return ((performance.now() - t) * 1e6) / n;
  }
  const c = clients[name]("ws://fake/", { WebSocket: FakeWebSocket });
  await c.ready;
  const t = performance.now();
  for (let i = 0; i < n; i++) c.send(message(i));
  const ns = ((performance.now() - t) * 1e6) / n;
  if (FakeWebSocket.last.sent !== n) throw new Error(`${name}: ${FakeWebSocket.last.sent} of ${n} sent`);
  c.close();
  return ns;
}

/** Server back -> first delivered message, minus the configured delay. */
async function reconnect(cycles) {
  const delay = 100;
  const test = scope("reconnect");
  const s = new SteadySocket(url("/echo", test), { initialDelay: delay, maxDelay: delay, jitter: "none", minUptime: 0 });
  await s.opened();
  const overheads = [];
  for (let i = 0; i < cycles; i++) {
    const closed = once(s, "close");
    await control("drop", test);
    await closed;
    const t = performance.now();
    s.send({ i });
    await once(s, "message", (e) => e.data.i === i);
    overheads.push(performance.now() - t - delay);
  }
  s.dispose();
  return overheads;
}

/** Black-hole -> close 4000, against interval + timeout. */
async function deadLink(cycles) {
  const test = scope("deadlink");
  const s = new SteadySocket(url("/echo", test), { initialDelay: 50, maxDelay: 100, heartbeat: { interval: 500, timeout: 500 } });
  const times = [];
  for (let i = 0; i < cycles; i++) {
    await s.opened();
    const closed = once(s, "close", (e) => e.code === 4000);
    await control("blackhole", test, "on=true");
    const t = performance.now();
    await closed;
    times.push(performance.now() - t);
    await control("blackhole", test, "on=false");
    await once(s, "open");
  }
  s.dispose();
  return { times, budget: 1000 };
}

const memory = () => ({
  wasm: wasm.memory.buffer.byteLength,
  heap: performance.memory?.usedJSHeapSize ?? NaN,
});
const settle = async () => {
  globalThis.gc?.();
  await sleep(100);
  globalThis.gc?.();
};

async function memoryAfterReconnects(cycles) {
  const test = scope("memory");
  const s = new SteadySocket(url("/echo", test), { initialDelay: 5, maxDelay: 20, minUptime: 0 });
  await s.opened();
  await settle();
  const before = memory();
  for (let i = 0; i < cycles; i++) {
    const reopened = once(s, "open");
    await control("drop", test);
    await reopened;
  }
  await settle();
  const after = memory();
  s.dispose();
  return { before, after, cycles };
}

async function memoryAfterMessages(n) {
  const s = new SteadySocket("ws://fake/", { WebSocket: FakeWebSocket });
  await s.opened();
  let got = 0;
  s.addEventListener("message", () => got++);
  const text = JSON.stringify(message(1));
  FakeWebSocket.last.deliver(text, 10_000);
  await settle();
  const before = memory();
  for (let done = 0; done < n; done += 100_000) {
    FakeWebSocket.last.deliver(text, 100_000);
    await sleep(0);
  }
  await settle();
  const after = memory();
  s.dispose();
  return { before, after, messages: got - 10_000 };
}

export const benches = { throughput, latency, binary, receiveCost, sendCost, reconnect, deadLink, memoryAfterReconnects, memoryAfterMessages };
window.bench = (name, ...args) => benches[name](...args);
document.getElementById("log").textContent = "ready";
