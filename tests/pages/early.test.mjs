// What is tested here, in headless Chromium: the package needs no init step in
// a browser, where the wasm module is fetched. The test holds the module's
// response back (playwright routes it), so the sockets below are built before
// it has loaded, and the path that handles that is the one that runs:
// - a socket built early reads "connecting", its sends return "queued" and
//   wait in order (the outbox's bounds hold already: one larger than the
//   outbox throws); once the module arrives they reach the server in that
//   order. With MessagePack, whose module loads too, a message the engine
//   refuses once encoded comes back as a drop event with the reason;
// - options that do not fit together still throw at construction;
// - a module that cannot load (a 404) closes the early socket for good:
//   an error event, opened() rejects, a for await loop throws the reason, the
//   queued message stays in the outbox, and init() rejects with code "load";
// - with resume, a sendAcked() made before the module has loaded keeps its
//   place among the sends and resolves once the server acknowledges it; one
//   whose module cannot load rejects;
// - on a page whose Content-Security-Policy lacks 'wasm-unsafe-eval', init()
//   rejects naming the directive to add, and the early socket closes with it.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { launch, serverUrl } from "./browser.mjs";

let context;
before(async () => {
  context = await launch();
});
after(async () => {
  await context?.close();
});

const WASM = "**/pkg/steadysocket_bg.wasm";

/** A page of the test server whose wasm module is held until release() is called. */
async function heldPage() {
  const page = await context.newPage();
  let release;
  const released = new Promise((resolve) => (release = resolve));
  let requests = 0;
  await page.route(WASM, async (route) => {
    requests++;
    await released;
    await route.continue();
  });
  await page.goto(serverUrl("/control/stats?test=early-page"));
  assert.match(await page.evaluate(() => navigator.userAgent), /Chrome\//, "this step runs in Chromium");
  return { page, release, requests: () => requests };
}

test("a socket built before the wasm module has loaded queues its sends in order and connects once it is there", async () => {
  const { page, release, requests } = await heldPage();
  const host = new URL(serverUrl()).host;
  const test = `early-order-${Date.now()}`;
  const before = await page.evaluate(
    async ({ host, test }) => {
      const { SteadySocket, diagnostics } = await import("/js/index.js");
      const s = new SteadySocket(`ws://${host}/echo?test=${test}`, { maxEnqueuedBytes: 64 });
      window.early = s;
      window.received = [];
      window.drops = [];
      s.addEventListener("drop", (e) => window.drops.push({ reason: e.reason, code: e.error?.code, data: e.data }));
      window.loop = (async () => {
        for await (const m of s) {
          window.received.push(m);
          if (window.received.length === 3) break;
        }
      })();
      await Promise.resolve();
      const attempt = (m) => {
        try {
          return s.send(m);
        } catch (e) {
          return `threw ${e.code}`;
        }
      };
      const outcomes = [attempt({ n: 1 }), attempt({ n: 2, pad: "x".repeat(100) }), attempt({ n: 3 }), attempt({ n: 4 })];
      let snapshot;
      try {
        s.configSnapshot();
      } catch (e) {
        snapshot = e.code;
      }
      let together;
      try {
        new SteadySocket(`ws://${host}/echo`, { initialDelay: 5000, maxDelay: 1000 });
      } catch (e) {
        together = `${e.name}: ${e.message}`;
      }
      return { state: s.state, outcomes, outbox: s.outbox.map((m) => m.n), snapshot, together, loaded: diagnostics().sockets };
    },
    { host, test },
  );
  for (let i = 0; i < 100 && requests() === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(requests(), 1, "the module was requested and is being held");
  assert.equal(before.state, "connecting");
  assert.deepEqual(before.outcomes, ["queued", "threw too-large", "queued", "queued"], "the outbox's bounds hold before the module too");
  assert.deepEqual(before.outbox, [1, 3, 4]);
  assert.equal(before.snapshot, "loading");
  assert.equal(before.together, "TypeError: invalid option initialDelay: 5000 ms is larger than the maximum delay, 1000 ms");
  assert.equal(before.loaded, 0, "no socket exists in wasm yet");
  release();
  const after = await page.evaluate(async () => {
    await window.loop;
    return { received: window.received.map((m) => m.n), drops: window.drops, state: window.early.state };
  });
  assert.deepEqual(after.received, [1, 3, 4], "the queued messages arrived in order");
  assert.deepEqual(after.drops, []);
  assert.equal(after.state, "open");
  await page.close();
});

test("with resume, a sendAcked before the module has loaded keeps its place and resolves at the server's acknowledgement", async () => {
  const { page, release } = await heldPage();
  const host = new URL(serverUrl()).host;
  const test = `early-resume-${Date.now()}`;
  await page.evaluate(
    ({ host, test }) => {
      return import("/js/index.js").then(({ SteadySocket }) => {
        const s = new SteadySocket(`ws://${host}/echo?test=${test}&echo=0`, { codec: "text", resume: true });
        s.send("a");
        window.acked = s.sendAcked("b").then(
          () => ({ state: s.state, stats: s.resumeStats }),
          (e) => `rejected ${e.code}: ${e.message}`,
        );
        s.send("c");
      });
    },
    { host, test },
  );
  release();
  const result = await page.evaluate(() => window.acked);
  assert.equal(typeof result, "object", String(result));
  assert.equal(result.stats.live, true);
  assert.ok(result.stats.acknowledged >= 2, JSON.stringify(result.stats));
  let received = [];
  for (let i = 0; i < 100 && received.length < 3; i++) {
    received = await (await fetch(serverUrl(`/control/received?test=${test}`))).json();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(received, ["a", "b", "c"], "in the order of the calls");
  await page.close();
});

test("a wasm module that cannot load closes an early socket for good, loudly", async () => {
  const page = await context.newPage();
  await page.route(WASM, (route) => route.fulfill({ status: 404, body: "not here" }));
  await page.route("**/pkg/resume/steadysocket_resume_bg.wasm", (route) => route.fulfill({ status: 404, body: "not here" }));
  await page.goto(serverUrl("/control/stats?test=early-404"));
  const host = new URL(serverUrl()).host;
  const r = await page.evaluate(async (host) => {
    const { default: init, SteadySocket } = await import("/js/index.js");
    const s = new SteadySocket(`ws://${host}/echo?test=early-404`);
    const errors = [];
    s.addEventListener("error", (e) => errors.push(e.message));
    s.send("kept");
    // With resume: a sendAcked before the module has loaded settles too.
    const acked = new SteadySocket(`ws://${host}/echo?test=early-404`, { resume: true }).sendAcked("never");
    const ackResult = await Promise.race([
      acked.then(
        () => "resolved",
        (e) => `${e.code}: ${e.message}`,
      ),
      new Promise((resolve) => setTimeout(() => resolve("still pending after 5 s"), 5000)),
    ]);
    const opened = await s.opened().then(
      () => "resolved",
      (e) => `${e.code}: ${e.message}`,
    );
    let loop;
    try {
      for await (const m of s) void m;
      loop = "ended quietly";
    } catch (e) {
      loop = `threw ${e.code}: ${e.message}`;
    }
    const initResult = await init().then(
      () => "resolved",
      (e) => `${e.code}: ${e.message}`,
    );
    return { errors, opened, loop, state: s.state, outbox: s.outbox, initResult, ackResult };
  }, host);
  assert.equal(r.state, "closed");
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /cannot load the steadysocket wasm module/);
  assert.match(r.opened, /^closed: cannot load the steadysocket wasm module/);
  assert.match(r.loop, /^threw closed: cannot load the steadysocket wasm module/);
  assert.deepEqual(r.outbox, ["kept"], "the queued message is still there");
  assert.match(r.initResult, /^load: cannot load the steadysocket wasm module/);
  assert.match(r.ackResult, /^closed: cannot load the resume wasm module/, "sendAcked rejected, not left hanging");
  await page.close();
});

test("a Content-Security-Policy without 'wasm-unsafe-eval' is named as the cause", async () => {
  const page = await context.newPage();
  const url = serverUrl("/strict-csp-page");
  // The page itself is served with a strict policy: scripts from its own
  // origin only, and no WebAssembly compilation.
  await page.route(url, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", headers: { "Content-Security-Policy": "script-src 'self'" }, body: "<!doctype html><title>strict</title>" }),
  );
  await page.goto(url);
  const host = new URL(serverUrl()).host;
  const r = await page.evaluate(async (host) => {
    const { default: init, SteadySocket } = await import("/js/index.js");
    const s = new SteadySocket(`ws://${host}/echo?test=early-csp`);
    let loop;
    try {
      for await (const m of s) void m;
      loop = "ended quietly";
    } catch (e) {
      loop = `${e.code}: ${e.message}`;
    }
    const initResult = await init().then(
      () => "resolved",
      (e) => `${e.code}: ${e.message}`,
    );
    return { loop, initResult };
  }, host);
  assert.match(r.initResult, /^load: the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to its script-src directive/);
  assert.match(r.loop, /^closed: the page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval'/);
  await page.close();
});

test("with the MessagePack codec, messages sent before either module has loaded are encoded and delivered in order", async () => {
  const page = await context.newPage();
  await page.goto(serverUrl("/control/stats?test=early-msgpack"));
  const host = new URL(serverUrl()).host;
  const r = await page.evaluate(async (host) => {
    const [{ SteadySocket }, { msgpack }] = await Promise.all([import("/js/index.js"), import("/js/msgpack.js")]);
    const s = new SteadySocket(`ws://${host}/echo?test=early-msgpack`, { codec: msgpack, maxEnqueuedBytes: 64 });
    const drops = [];
    s.addEventListener("drop", (e) => drops.push({ reason: e.reason, code: e.error?.code, n: e.data.n }));
    let encodeBefore;
    try {
      msgpack.encode({ n: 0 });
    } catch (e) {
      encodeBefore = e.code;
    }
    const outcomes = [s.send({ n: 1 }), s.send({ n: 9, pad: "x".repeat(100) }), s.send({ n: 2, list: [1, "two"] })];
    const outbox = s.outbox;
    const received = [];
    for await (const m of s) {
      received.push(m);
      if (received.length === 2) break;
    }
    return { encodeBefore, outcomes, outbox: outbox.map((m) => m.n), received, drops, binary: msgpack.encode({ n: 1 }) instanceof Uint8Array };
  }, host);
  assert.equal(r.encodeBefore, "loading", "the codec had not loaded when the messages were sent");
  assert.deepEqual(r.outcomes, ["queued", "queued", "queued"], "a message not yet encoded has no size to refuse");
  assert.deepEqual(r.outbox, [1, 9, 2]);
  assert.deepEqual(r.drops, [{ reason: "refused", code: "too-large", n: 9 }], "refused once encoded: a drop event with the message");
  assert.deepEqual(r.received, [{ n: 1 }, { n: 2, list: [1, "two"] }]);
  assert.ok(r.binary);
  await page.close();
});

test("a socket closed before the module has loaded never connects, ends its loop quietly and keeps its messages", async () => {
  const { page, release } = await heldPage();
  const host = new URL(serverUrl()).host;
  const test = `early-close-${Date.now()}`;
  const r = await page.evaluate(
    async ({ host, test }) => {
      const { SteadySocket } = await import("/js/index.js");
      const s = new SteadySocket(`ws://${host}/echo?test=${test}`);
      window.closedEarly = s;
      const states = [];
      s.addEventListener("state", (e) => states.push(e.state));
      await Promise.resolve();
      s.send("kept");
      const loop = (async () => {
        for await (const m of s) void m;
        return "ended quietly";
      })();
      await s.close();
      return { states, loop: await loop, state: s.state, outbox: s.outbox };
    },
    { host, test },
  );
  assert.deepEqual(r.states, ["connecting", "closed"]);
  assert.equal(r.loop, "ended quietly");
  assert.deepEqual(r.outbox, ["kept"]);
  release();
  const after = await page.evaluate(async () => {
    const s = window.closedEarly;
    for (let i = 0; i < 50; i++) {
      try {
        s.configSnapshot();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    return { maxDelay: s.configSnapshot().maxDelay, state: s.state, outbox: s.outbox };
  });
  assert.equal(after.maxDelay, 30000, "the module has loaded and the socket's engine exists");
  assert.equal(after.state, "closed");
  assert.deepEqual(after.outbox, ["kept"], "the engine holds the message");
  const stats = await (await fetch(serverUrl(`/control/stats?test=${test}`))).json();
  assert.equal(stats.endpoints["/echo"]?.accepted ?? 0, 0, "it never connected");
  await page.close();
});
