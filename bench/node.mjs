// Echo throughput in Node 22, where no browser process sits in between: the
// raw WebSocket with JSON against SteadySocket, plain and with the resume
// protocol (the test server's /echo speaks it), alternated over rounds; and
// the bytes each SteadySocket puts on the wire per message, both ways,
// counted at its WebSocket in runs of their own (the counting wrapper costs
// time the raw client does not pay, so the timed rounds go without it).
// Prints JSON: { rounds: [{ raw, steadysocket,
// resume }], bytes: { steadysocket, resume }, ... }.
import { readFileSync } from "node:fs";
import { initSync, SteadySocket } from "../dist/index.js";

initSync({ module: readFileSync(new URL("../pkg/steadysocket_bg.wasm", import.meta.url)) });
const server = process.env.STEADYSOCKET_TEST_SERVER;
const PAYLOAD = "x".repeat(64);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MS = Number(process.env.MS ?? 1500);
let n = 0;

// Bytes sent and received at the platform socket, per client kind.
const bytes = { steadysocket: { up: 0, down: 0, messages: 0 }, resume: { up: 0, down: 0, messages: 0 } };
const sizeOf = (d) => (typeof d === "string" ? Buffer.byteLength(d) : d.byteLength);
const counting = (tally) =>
  class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", (e) => (tally.down += sizeOf(e.data)));
    }
    send(data) {
      tally.up += sizeOf(data);
      super.send(data);
    }
  };

const clients = {
  raw: () => {
    const ws = new WebSocket(`ws://${server}/echo?test=node-raw-${++n}`);
    let cb;
    ws.addEventListener("message", (e) => cb(JSON.parse(e.data)));
    return { ready: new Promise((r) => ws.addEventListener("open", r, { once: true })), send: (m) => ws.send(JSON.stringify(m)), on: (f) => (cb = f), close: () => ws.close() };
  },
  steadysocket: (count) => steady("steadysocket", {}, count),
  resume: (count) => steady("resume", { resume: true }, count),
};

function steady(kind, options, count) {
  const tally = bytes[kind];
  const s = new SteadySocket(`ws://${server}/echo?test=node-${kind}-${++n}`, count ? { ...options, WebSocket: counting(tally) } : options);
  let cb;
  s.onMessage(count ? (m) => (tally.messages++, cb(m)) : (m) => cb(m));
  return { ready: s.opened(), send: (m) => s.send(m), on: (f) => (cb = f), close: () => s.dispose() };
}

async function throughput(name, ms, count = false) {
  const c = clients[name](count);
  await c.ready;
  let received = 0;
  let id = 0;
  const end = performance.now() + ms;
  await new Promise((resolve) => {
    c.on(() => {
      received++;
      if (performance.now() < end) c.send({ id: ++id, t: 0, payload: PAYLOAD });
      else resolve();
    });
    for (let i = 0; i < 32; i++) c.send({ id: ++id, t: 0, payload: PAYLOAD });
  });
  c.close();
  return received / (ms / 1000);
}

const names = Object.keys(clients);
for (const name of names) await throughput(name, 300); // warm-up
for (const name of Object.keys(bytes)) await throughput(name, 1000, true);
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const round = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length];
    round[name] = await throughput(name, MS);
  }
  rounds.push(round);
}
// Per message echoed: its JSON is the same for both, so the difference is
// the protocol's envelope and acknowledgements.
const perMessage = Object.fromEntries(Object.entries(bytes).map(([k, t]) => [k, { up: t.up / t.messages, down: t.down / t.messages }]));
console.log(JSON.stringify({ node: process.version, rounds, bytes: perMessage }));
process.exit(0);
