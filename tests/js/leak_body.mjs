// The leak measurement shared by Node (tests/js/leaks.test.mjs) and Chromium
// (tests/pages/leaks.test.mjs, which runs `leakRun` inside the page, so it
// must stay self-contained: no imports, no outer variables), and by the
// benchmark's soak rows (bench/run.mjs, bench/soak-node.mjs).
//
// It measures from outside the library: every socket is registered in a
// FinalizationRegistry, then up to 10 rounds of gc(), each followed by a turn
// of the event loop, until the count stops rising; wasm growth is the module
// memory's byteLength after minus before, measured after warm-up cycles.

/**
 * Runs `cycles` create/use/dispose cycles of one scenario after `warmup` ones
 * and returns `{ created, collected, wasmGrowth, heapGrowth, stats }` (heap
 * growth in bytes where the runtime tells, else NaN).
 * - `idle`: built with startClosed, disposed at once;
 * - `open`: disposed once open;
 * - `waiting`: disposed while waiting to reconnect (the server refuses);
 * - `handshake`: disposed inside its own handshake();
 * - `closed`: closed for good with close(), then dropped without dispose();
 * - `drop-rws`: the drop-in ReconnectingWebSocket, open, then disposed;
 * - `echo`: open, one message echoed, disposed.
 */
export async function leakRun({ modulePath, host, scenario, cycles, warmup, scope }) {
  const m = await import(modulePath);
  await m.default();
  // The module's exports, from wasm-bindgen's glue (already loaded: it returns them).
  const wasm = await (await import(new URL("../pkg/steadysocket.js", new URL(modulePath, globalThis.location?.href)).href)).default();
  const control = (action, query = "") =>
    fetch(`http://${host}/control/${action}?test=${scope}&${query}`, { method: "POST" }).then((r) => r.json());
  const url = `ws://${host}/echo?test=${scope}`;
  const quick = { initialDelay: 20, maxDelay: 50 };
  const nextEvent = (target, type) => new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const turn = () => new Promise((r) => setTimeout(r, 0));
  const heap = () => globalThis.process?.memoryUsage?.().heapUsed ?? globalThis.performance?.memory?.usedJSHeapSize ?? NaN;

  async function one(register) {
    let socket;
    switch (scenario) {
      case "idle":
        socket = new m.SteadySocket(url, { startClosed: true });
        socket.dispose();
        break;
      case "open":
        socket = new m.SteadySocket(url, quick);
        await socket.opened();
        socket.dispose();
        break;
      case "waiting":
        socket = new m.SteadySocket(url, quick);
        await nextEvent(socket, "reconnecting");
        socket.dispose();
        break;
      case "handshake": {
        let s;
        s = new m.SteadySocket(url, {
          ...quick,
          handshake: () => {
            s.dispose();
            return [];
          },
        });
        socket = s;
        await nextEvent(socket, "state");
        while (socket.state !== "closed") await nextEvent(socket, "state");
        break;
      }
      case "closed":
        socket = new m.SteadySocket(url, quick);
        await socket.opened();
        await socket.close();
        break;
      case "echo": {
        socket = new m.SteadySocket(url, quick);
        await socket.opened();
        const echoed = new Promise((resolve) => socket.onMessage(resolve));
        socket.send({ hello: 1 });
        await echoed;
        socket.dispose();
        break;
      }
      case "drop-rws":
        socket = new m.ReconnectingWebSocket(url);
        await nextEvent(socket, "open");
        socket.dispose();
        break;
      default:
        throw new Error(`unknown scenario ${scenario}`);
    }
    if (register) registry.register(socket, null);
  }

  if (scenario === "waiting") await control("refuse", "ms=600000");
  for (let i = 0; i < warmup; i++) await one(false);
  await collect();
  const before = wasm.memory.buffer.byteLength;
  const heapBefore = heap();
  for (let i = 0; i < cycles; i++) await one(true);
  await collect();
  const wasmGrowth = wasm.memory.buffer.byteLength - before;
  const heapGrowth = heap() - heapBefore;
  if (scenario === "waiting") await control("refuse", "ms=0");
  const stats = await fetch(`http://${host}/control/stats?test=${scope}`).then((r) => r.json());
  return { created: cycles, collected, wasmGrowth, heapGrowth, stats };

  async function collect() {
    // At least three rounds: finalizers run in tasks of their own, which may
    // come a few turns after the gc() that found their objects.
    let last = -1;
    for (let round = 0; round < 10 && (round < 3 || collected !== last); round++) {
      last = collected;
      globalThis.gc();
      await turn();
      await turn();
    }
  }
}
