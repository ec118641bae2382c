// What is tested here (Node 22, and Node 20 with `ws`): sizes are bytes
// everywhere, and nothing too large is copied into wasm memory.
// - an inbound frame over maxMessageSize on the engine's path (an exact-pong
//   heartbeat) is reported and never copied: wasm memory stays put;
// - a send refused as too large while not open is never copied either;
// - non-ASCII text is counted in UTF-8 bytes against the high watermark:
//   sends stop going out at the watermark, not at three times it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StalledWebSocket, control, next, platform, quick, scope, wasm, wsUrl } from "./helpers.mjs";
import { SteadySocket } from "../../dist/index.js";

const MiB = 1 << 20;
const open = (test, options = {}) => new SteadySocket(wsUrl("/echo", test), { ...platform, ...quick, ...options });

test("an oversized inbound frame on the engine's path is reported, never copied into wasm", async () => {
  const test = scope("size-inbound");
  const ping = JSON.stringify({ type: "ping" });
  const socket = open(test, { maxMessageSize: 1024, heartbeat: { interval: 60000, timeout: 60000, ping, pong: ping } });
  await socket.opened();
  const before = wasm.memory.buffer.byteLength;
  const reported = next(socket, "decode-error", 20000);
  await control("oversized", test, `bytes=${32 * MiB}`);
  const event = await reported;
  assert.equal(event.error.code, "too-large");
  const grown = wasm.memory.buffer.byteLength - before;
  assert.ok(grown < MiB, `wasm memory grew by ${grown} bytes for a refused frame`);
  // The stream goes on.
  socket.send({ after: 1 });
  assert.deepEqual((await next(socket, "message")).data, { after: 1 });
  socket.dispose();
});

test("a send refused as too large while not open is never copied into wasm", () => {
  const binary = new SteadySocket("ws://127.0.0.1:9/", { ...platform, startClosed: true, codec: "binary" });
  const text = new SteadySocket("ws://127.0.0.1:9/", { ...platform, startClosed: true, codec: "text" });
  const before = wasm.memory.buffer.byteLength;
  assert.throws(() => binary.send(new Uint8Array(32 * MiB)), (e) => e.code === "too-large");
  assert.throws(() => text.send("é".repeat(16 * MiB)), (e) => e.code === "too-large");
  const grown = wasm.memory.buffer.byteLength - before;
  assert.ok(grown < MiB, `wasm memory grew by ${grown} bytes`);
  binary.dispose();
  text.dispose();
});


test("non-ASCII text counts in UTF-8 bytes against the high watermark", async () => {
  const socket = open(scope("size-utf8"), { WebSocket: StalledWebSocket, codec: "text", highWatermark: 3000, lowWatermark: 0 });
  await socket.opened();
  const text = "€".repeat(100); // 100 UTF-16 units, 300 UTF-8 bytes
  const outcomes = [];
  for (let i = 0; i < 40; i++) outcomes.push(socket.send(text));
  const sent = outcomes.filter((o) => o === "sent").length;
  // At most the watermark's worth, plus the one that crossed it.
  assert.ok(sent <= 3000 / 300 + 1, `${sent} messages (${sent * 300} bytes) went out past a 3000-byte watermark`);
  assert.ok(sent >= 3, `only ${sent} went out`);
  socket.dispose();
});

test("queued and held messages stay JS values: waiting never grows wasm memory", async () => {
  // Offline: 40 MiB queued in the outbox.
  const offline = new SteadySocket("ws://127.0.0.1:9/", { ...platform, startClosed: true, codec: "binary", maxEnqueuedBytes: 64 * MiB });
  let before = wasm.memory.buffer.byteLength;
  for (let n = 0; n < 20; n++) assert.equal(offline.send(new Uint8Array(2 * MiB).fill(n)), "queued");
  let grown = wasm.memory.buffer.byteLength - before;
  assert.ok(grown < MiB, `queueing 40 MiB grew wasm memory by ${grown} bytes`);
  // What is queued reads back as it was sent.
  assert.deepEqual(
    offline.outbox.map((b) => new Uint8Array(b)[0]),
    [...Array(20).keys()],
  );
  assert.equal(offline.drainOutbox().length, 20);
  offline.dispose();

  // Open, held back by backpressure: 40 MiB waiting on a stalled link.
  const held = open(scope("size-held"), { WebSocket: StalledWebSocket, codec: "binary", maxHeldBytes: 64 * MiB });
  await held.opened();
  before = wasm.memory.buffer.byteLength;
  const outcomes = [];
  for (let n = 0; n < 21; n++) outcomes.push(held.send(new Uint8Array(2 * MiB)));
  grown = wasm.memory.buffer.byteLength - before;
  assert.equal(outcomes.filter((o) => o === "queued").length, 20, `${outcomes}`);
  assert.ok(grown < MiB, `holding 40 MiB grew wasm memory by ${grown} bytes`);
  held.dispose();
});

test("a queued buffer the app reuses goes out as it was when sent, like the platform's send()", async () => {
  const test = scope("size-reuse");
  await control("refuse", test, "ms=300");
  const socket = open(test, { codec: "binary" });
  const buffer = new Uint8Array([1, 2, 3]);
  assert.equal(socket.send(buffer), "queued");
  buffer.fill(9); // reused by the app before the link is up
  const echoed = await next(socket, "message", 5000);
  assert.deepEqual([...new Uint8Array(echoed.data)], [1, 2, 3]);
  socket.dispose();
});
