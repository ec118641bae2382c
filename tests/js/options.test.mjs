// What is tested here, with node:test and no network: the options of the JS
// API. Every bad option is a TypeError that names it and shows what was
// given; options that do not fit together get the engine's message under
// their JS names; good options change what the socket does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { platform } from "./helpers.mjs";
import { ReconnectingWebSocket, SteadySocket } from "../../dist/index.js";

const make = (options) => new SteadySocket("ws://127.0.0.1:9/", { ...platform, startClosed: true, ...options });
const rejects = (options, pattern) =>
  assert.throws(
    () => make(options),
    (e) => e instanceof TypeError && pattern.test(e.message),
    `${JSON.stringify(options)} should fail with ${pattern}`,
  );

test("every numeric option refuses a value of the wrong kind, by name", () => {
  const ms = ["initialDelay", "maxDelay", "retryBudget", "minUptime", "connectionTimeout", "messageTtl", "closeTimeout", "hiddenTimeout"];
  for (const name of ms) {
    rejects({ [name]: -1 }, new RegExp(`^option ${name} must be a whole number of milliseconds, 0 or more, got -1$`));
    rejects({ [name]: 0.5 }, new RegExp(`^option ${name} must be a whole number of milliseconds, 0 or more, got 0.5$`));
    rejects({ [name]: "10" }, new RegExp(`^option ${name} must be .*, got the string "10"$`));
    rejects({ [name]: Infinity }, new RegExp(`^option ${name} must be .*, got Infinity$`));
  }
  const counts = ["maxRetries", "maxEnqueuedMessages", "highWatermark", "lowWatermark"];
  for (const name of counts) {
    rejects({ [name]: 1.5 }, new RegExp(`^option ${name} must be a whole number, 0 or more, or Infinity, got 1.5$`));
    rejects({ [name]: null }, new RegExp(`^option ${name} must be .*, got null$`));
    const pair = name === "lowWatermark" ? { highWatermark: Infinity } : {};
    assert.doesNotThrow(() => make({ [name]: Infinity, ...pair }).dispose(), `${name}: Infinity means no limit`);
  }
  // Limits on what wasm memory holds stop well below what it can address.
  for (const name of ["maxEnqueuedBytes", "maxMessageSize"]) {
    for (const bad of [Infinity, 2 ** 30 + 1, 1.5, null]) {
      rejects({ [name]: bad }, new RegExp(`^option ${name} must be a whole number of bytes from 0 to 1073741824 \\(1 GiB\\), got ${bad}$`));
    }
    assert.doesNotThrow(() => make({ [name]: 2 ** 30 }).dispose(), name);
  }
  rejects({ delayGrowFactor: 0.5 }, /^option delayGrowFactor must be a number of at least 1, got 0.5$/);
});

test("the other options refuse what they cannot use", () => {
  rejects({ jitter: "lots" }, /^option jitter must be "none", "full", "equal", "decorrelated" or a proportion from 0 to 1, got the string "lots"$/);
  rejects({ jitter: 2 }, /^option jitter must be .*, got 2$/);
  rejects({ restartDelay: [5, 1] }, /^option restartDelay must be \[min, max\] milliseconds with min <= max/);
  rejects({ restartDelay: 5 }, /^option restartDelay must be/);
  rejects({ retryFirstConnect: "yes" }, /^option retryFirstConnect must be true or false, got the string "yes"$/);
  rejects({ overflow: "drop" }, /^option overflow must be "reject", "drop-oldest" or "drop-newest", got the string "drop"$/);
  rejects({ heartbeat: 5 }, /^option heartbeat must be true or an object, got 5$/);
  rejects({ heartbeat: { interval: -5 } }, /^option heartbeat.interval must be a whole number of milliseconds/);
  rejects({ heartbeat: { ping: 1 } }, /^option heartbeat.ping must be a string, got 1$/);
  rejects({ heartbeat: { intervall: 5 } }, /^unknown option heartbeat.intervall; the heartbeat options are: interval, timeout, ping, pong$/);
  rejects({ protocols: ["chat", 1] }, /^option protocols must be a string or an array of strings/);
  rejects({ WebSocket: "ws" }, /^option WebSocket must be a function, got the string "ws"$/);
  rejects({ shouldReconnect: true }, /^option shouldReconnect must be a function, got true$/);
  rejects({ handshake: {} }, /^option handshake must be a function, got a value of type object$/);
  rejects({ initialDelays: 5 }, /^unknown option "initialDelays"; the options are: initialDelay, /);
  rejects({ jitter: "x".repeat(100) }, new RegExp(`got the string "${"x".repeat(40)}"$`));
});

test("options that do not fit together get the engine's message under their JS names", () => {
  rejects({ initialDelay: 5000, maxDelay: 100 }, /^invalid option initialDelay: 5000 ms is larger than the maximum delay, 100 ms$/);
  // A default never makes a given option invalid: maxDelay alone below the
  // default initialDelay caps it.
  const capped = make({ maxDelay: 200 });
  assert.equal(capped.configSnapshot().initialDelay, 200);
  assert.equal(capped.configSnapshot().maxDelay, 200);
  capped.dispose();
  rejects({ lowWatermark: 10, highWatermark: 5 }, /^invalid option lowWatermark: 10 is above the high watermark 5$/);
  rejects({ connectionTimeout: 0 }, /^invalid option connectionTimeout: must be above zero$/);
  rejects({ heartbeat: { timeout: 0 } }, /^invalid option heartbeat.timeout: must be above zero$/);
  rejects({ hiddenTimeout: 0 }, /^invalid option hiddenTimeout: /);
  // The drop-in maps its own names, and its messages use them.
  const rws = (options) => () => new ReconnectingWebSocket("ws://127.0.0.1:9/", [], { ...platform, startClosed: true, ...options });
  assert.throws(rws({ minReconnectionDelay: -1 }), /^TypeError: option minReconnectionDelay must be a whole number of milliseconds, 0 or more, got -1$/);
  assert.throws(rws({ minReconnectionDelay: 9000, maxReconnectionDelay: 10 }), /^TypeError: invalid option minReconnectionDelay: 9000 ms is larger than the maximum delay, 10 ms$/);
});

test("the JS check of options that go together gives the engine's verdict and message, over every combination tried", async () => {
  // JavaScript checks these rules itself so that they hold before the wasm
  // module has loaded (a browser's first sockets); the engine checks them for
  // the Rust API. The two must agree: each combination goes to both.
  const { coreSlots, checkTogether } = await import("../../dist/options.js");
  const { SocketCore } = await import("../../pkg/steadysocket.js");
  make({}).dispose(); // loads the module
  const values = {
    initialDelay: [undefined, 0, 100, 2000, 40000],
    maxDelay: [undefined, 0, 100, 30000],
    connectionTimeout: [undefined, 0, 5],
    hiddenTimeout: [undefined, 0, 5],
    maxEnqueuedMessages: [undefined, 0, 3],
    maxEnqueuedBytes: [undefined, 0, 3],
    lowWatermark: [undefined, 0, 300000, 2000000],
    highWatermark: [undefined, 0, 300000],
    heartbeat: [undefined, { interval: 0 }, { timeout: 0 }, { interval: 5, timeout: 5 }],
  };
  const names = Object.keys(values);
  let seed = 7;
  const pick = (list) => list[Math.floor((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 65536) % list.length];
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const options = {};
    for (const name of names) {
      const v = pick(values[name]);
      if (v !== undefined) options[name] = v;
    }
    const { slots, ping, pong } = coreSlots(options);
    const verdict = (f) => {
      try {
        f();
        return "ok";
      } catch (e) {
        return e.message;
      }
    };
    const ours = verdict(() => checkTogether(slots));
    const engine = verdict(() => new SocketCore(slots, ping, pong, undefined, undefined, undefined, () => {}, () => {}).free());
    assert.equal(ours, engine, `options ${JSON.stringify(options)}`);
    if (ours !== "ok") refused++;
  }
  assert.ok(refused > 500 && refused < 2900, `both verdicts seen (${refused} refused)`);
});

test("good options are taken: the outbox limits and overflow policy shape what send() does", () => {
  const socket = make({ maxEnqueuedMessages: 2, overflow: "drop-newest", heartbeat: true, jitter: 0.5, restartDelay: [0, 10], retryFirstConnect: false });
  assert.equal(socket.send({ n: 1 }), "queued");
  assert.equal(socket.send({ n: 2 }), "queued");
  assert.equal(socket.send({ n: 3 }), "dropped");
  assert.deepEqual(socket.outbox, [{ n: 1 }, { n: 2 }]);
  socket.dispose();
  const rejecting = make({ maxEnqueuedMessages: 1 });
  rejecting.send({ n: 1 });
  assert.throws(() => rejecting.send({ n: 2 }), (e) => e.code === "outbox-full");
  rejecting.dispose();
  const bytes = make({ maxEnqueuedBytes: 10 });
  assert.throws(() => bytes.send({ long: "x".repeat(20) }), (e) => e.code === "too-large");
  bytes.dispose();
});

test("every option lands in its own engine field, in its own unit (read back with configSnapshot)", () => {
  // Distinct values, so that two options wired to each other's field fail.
  const given = {
    initialDelay: 1101,
    maxDelay: 60203,
    delayGrowFactor: 1.7,
    maxRetries: 7,
    retryBudget: 90307,
    minUptime: 4409,
    connectionTimeout: 8501,
    maxEnqueuedMessages: 613,
    maxEnqueuedBytes: 70001,
    maxHeldBytes: 80021,
    messageTtl: 12007,
    closeTimeout: 2311,
    hiddenTimeout: 33013,
    highWatermark: 50021,
    lowWatermark: 20011,
    maxMessageSize: 40009,
    retryFirstConnect: false,
    jitter: "full",
    restartDelay: [1709, 2707],
    overflow: "drop-oldest",
    heartbeat: { interval: 15013, timeout: 5023 },
  };
  const socket = make(given);
  const snapshot = socket.configSnapshot();
  for (const [name, value] of Object.entries(given)) {
    assert.deepEqual(snapshot[name], value, `option ${name}`);
  }
  socket.dispose();
  // The defaults, where nothing is given: a few that the README states.
  const defaults = make({}).configSnapshot();
  assert.equal(defaults.maxEnqueuedMessages, 1000);
  assert.equal(defaults.maxEnqueuedBytes, 1 << 20);
  assert.equal(defaults.maxHeldBytes, 16 << 20);
  assert.equal(defaults.highWatermark, 1 << 20);
  assert.equal(defaults.lowWatermark, 256 << 10);
  assert.equal(defaults.connectionTimeout, 10000);
  assert.equal(defaults.heartbeat, false);
  assert.equal(defaults.maxRetries, Infinity);
  const jitter = make({ jitter: 0.2 }).configSnapshot().jitter;
  assert.equal(jitter, 0.2);
});

test("a socket's sends before the wasm module has loaded meet the outbox's bounds as the engine's would, over random sequences", async () => {
  // In a browser the first sockets start before the module loads (their
  // early core, js/early.ts). Its outcomes, errors, drop events and outbox
  // must be the engine's: each sequence runs on both.
  const { Early } = await import("../../dist/early.js");
  const { coreSlots, outboxLimits } = await import("../../dist/options.js");
  const { KIND, SEND_OUTCOME } = await import("../../dist/generated/boundary.js");
  let seed = 11;
  const pick = (list) => list[Math.floor((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 65536) % list.length];
  let refusals = 0;
  let drops = 0;
  for (let i = 0; i < 400; i++) {
    const options = {};
    const messages = pick([undefined, 0, 1, 2, 3, 5, Infinity]);
    const bytes = pick([undefined, 1, 5, 12, 40]);
    const overflow = pick([undefined, "reject", "drop-oldest", "drop-newest"]);
    if (messages !== undefined) options.maxEnqueuedMessages = messages;
    if (bytes !== undefined) options.maxEnqueuedBytes = bytes;
    if (overflow !== undefined) options.overflow = overflow;
    const steps = Array.from({ length: pick([1, 4, 8, 12]) }, (_, n) => (pick([0, 0, 0, 0, 0, 1]) ? "drain" : "x".repeat(pick([0, 1, 2, 3, 5, 8, 13])) + n));

    const engineTrace = [];
    const socket = make({ ...options, codec: "raw" });
    socket.addEventListener("drop", (e) => engineTrace.push(["drop", e.reason, e.data]));
    const earlyTrace = [];
    const early = new Early((kind, a) => kind === KIND.DROP && earlyTrace.push(["drop", a.reason, a.data]), outboxLimits(coreSlots(options).slots));
    for (const step of steps) {
      if (step === "drain") {
        engineTrace.push(["drained", socket.drainOutbox()]);
        earlyTrace.push(["drained", early.drainOutbox()]);
        continue;
      }
      try {
        engineTrace.push(["sent", socket.send(step)]);
      } catch (e) {
        engineTrace.push(["refused", e.code, e.message]);
        refusals++;
      }
      try {
        earlyTrace.push(["sent", SEND_OUTCOME[early.send(step, step.length)]]);
      } catch (e) {
        earlyTrace.push(["refused", e.code, e.message]);
      }
    }
    engineTrace.push(["outbox", socket.outbox, socket.bufferedAmount]);
    earlyTrace.push(["outbox", early.outbox(), early.outboxBytes + early.bufferedAmount]);
    drops += engineTrace.filter((t) => t[0] === "drop").length;
    assert.deepEqual(earlyTrace, engineTrace, `options ${JSON.stringify(options)}, sends ${JSON.stringify(steps)}`);
    socket.dispose();
  }
  assert.ok(refusals > 50 && drops > 50, `refusals (${refusals}) and drops (${drops}) were both exercised`);
});
