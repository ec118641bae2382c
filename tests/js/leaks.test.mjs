// What is tested here, in Node, measured from outside the library (a
// FinalizationRegistry and the wasm memory's size after gc(), see
// leak_body.mjs):
// - a disposed socket is garbage-collected and its wasm side freed, whether it
//   was never started, open, waiting to reconnect or disposed inside its own
//   handshake(); the same for the drop-in;
// - a socket dropped without dispose() stays alive while open, like the
//   platform WebSocket, and is collected once closed for good;
// - a for await loop that ended with a close buffers nothing after reconnect().
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { control, platform, quick, report, scope, sleep, wsUrl } from "./helpers.mjs";
import { leakRun } from "./leak_body.mjs";
import { SteadySocket } from "../../dist/index.js";

v8.setFlagsFromString("--expose-gc");
globalThis.gc ??= vm.runInNewContext("gc");

const host = process.env.STEADYSOCKET_TEST_SERVER;
const modulePath = new URL("../../dist/index.js", import.meta.url).href;
const MiB = 1 << 20;

// Cycles per scenario here; the benchmark's soak row runs 10,000.
const CYCLES = { idle: 3000, open: 300, waiting: 100, handshake: 200, closed: 200, "drop-rws": 200 };

for (const [scenario, cycles] of Object.entries(CYCLES)) {
  // Node 20 runs these with `ws`, which leak_body does not inject: Node 22 only.
  test(`disposed sockets are collected and their wasm freed: ${scenario}`, { skip: platform.WebSocket && "Node 22 only" }, async () => {
    const r = await leakRun({ modulePath, host, scenario, cycles, warmup: 100, scope: scope(`leak-${scenario}`) });
    r.scope = r.stats.scope;
    console.log(`leak ${scenario}: collected ${r.collected} of ${r.created}, wasm growth ${r.wasmGrowth} bytes`);
    assert.ok(r.collected >= 0.99 * r.created, `collected ${r.collected} of ${r.created}`);
    assert.ok(r.wasmGrowth <= MiB, `wasm grew by ${r.wasmGrowth} bytes`);
    // Every platform socket was closed: the server sees none left open (it
    // may take a moment to see the last close).
    let live = r.stats.endpoints["/echo"]?.live ?? 0;
    for (let i = 0; i < 100 && live > 0; i++) {
      await sleep(20);
      live = (await report("stats", r.scope)).endpoints["/echo"]?.live ?? 0;
    }
    assert.equal(live, 0, "connections left open on the server");
  });
}

test("a socket dropped without dispose() stays alive while open and is collected once closed for good", async () => {
  const test = scope("leak-dropped");
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const received = [];
  await (async () => {
    for (let i = 0; i < 5; i++) {
      const socket = new SteadySocket(wsUrl("/echo", test), { ...platform, ...quick });
      socket.onMessage((m) => received.push(m));
      await socket.opened();
      registry.register(socket, null);
    }
  })();
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(10);
  }
  assert.equal(collected, 0, "an open socket must not be collected");
  assert.equal((await report("stats", test)).endpoints["/echo"].live, 5);
  // The server closes with 1000: the policy stops, so each is closed for good.
  await control("close", test, "code=1000");
  for (let i = 0; i < 10 && collected < 5; i++) {
    await sleep(50);
    gc();
  }
  assert.equal(collected, 5, "sockets closed for good are collectable");
});

test("a for await loop ended by a close buffers nothing after reconnect()", async () => {
  const test = scope("leak-iterator");
  const socket = new SteadySocket(wsUrl("/echo", test), { ...platform, ...quick, codec: "text" });
  await socket.opened();
  const loop = (async () => {
    for await (const _ of socket);
  })();
  await socket.close();
  await loop;
  socket.reconnect();
  await socket.opened();
  gc();
  await sleep(10);
  const before = process.memoryUsage().heapUsed;
  const big = "x".repeat(100_000);
  let echoed = 0;
  socket.onMessage(() => echoed++);
  // Ten at a time, well within the send buffer's limits.
  for (let i = 0; i < 200; i++) {
    socket.send(big);
    if (i % 10 === 9) while (echoed <= i) await sleep(5);
  }
  gc();
  await sleep(10);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  socket.dispose();
  assert.ok(grown < 5 * MiB, `the heap grew by ${(grown / MiB).toFixed(1)} MiB: the ended loop kept the messages`);
});
