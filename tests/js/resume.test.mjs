// What is tested here, in Node against steadysocket/server over the ws
// package (tests/js/resume_server.mjs), with real faults:
// - the JS wire codec against docs/PROTOCOL.md's test vectors;
// - on the wire: text messages are the application's own text frames, binary
//   data has one byte of envelope, acks are amortised;
// - client to server and server to client, every message exactly once and
//   in order across dropped and black-holed links and refused reconnects,
//   with the replay path proven to have run;
// - sendAcked() settles at the server's commit point, and rejects on a
//   resync, with a server that does not speak the protocol, and on dispose;
// - a lost session: a resync event, drops of reason "resync", a new
//   handshake; a successful resume runs no handshake;
// - hostile clients: a guessed id and another identity's id are refused
//   alike, out-of-range acks, reserved frame types and a missing hello close
//   4400.
// - the server's limits: session expiry, resume rate limits, the replay cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { control, next, platform, report, scope, sleep, until, wsUrl } from "./helpers.mjs";
import { SteadySocket, SteadySocketError } from "../../dist/index.js";
import { decode, encode, SUBPROTOCOL } from "../../dist/wire.js";
import { startResumeServer } from "./resume_server.mjs";

const fast = { initialDelay: 20, maxDelay: 100, connectionTimeout: 2000, heartbeat: { interval: 300, timeout: 300 } };

/** A text socket with resume on, and the messages it receives. */
function receiving(url, options = {}) {
  const socket = new SteadySocket(url, { ...platform, ...fast, codec: "text", resume: true, ...options });
  const got = [];
  socket.onMessage((m) => got.push(m));
  return { socket, got };
}

const hexOf = (bytes) => Buffer.from(bytes).toString("hex");
const fromHex = (hex) => new Uint8Array(Buffer.from(hex, "hex"));

/** The vectors table of PROTOCOL.md as [description, hex] rows. */
function vectors() {
  const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
  const table = doc.split("<!-- vectors:start -->")[1].split("<!-- vectors:end -->")[0];
  return table
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| frame") && !l.startsWith("| ---"))
    .map((l) => l.split("|").map((c) => c.trim()))
    .map(([, description, bytes]) => [description, bytes.replace(/`/g, "")]);
}

/** The frame a vector's description names (the same reading as the engine's test). */
function frameOf(description) {
  const quoted = [...description.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
  const words = description.split(" ");
  const after = (word) => Number(description.split(word + " ")[1].split(/[ ,]/)[0]);
  switch (words[0]) {
    case "data": {
      const ack = description.includes(", ack") ? after(", ack") : undefined;
      return { type: "data", ...(ack !== undefined && { ack }), payload: fromHex(quoted[0].replace(/ /g, "")) };
    }
    case "ack":
      return { type: "ack", ack: after("ack") };
    case "ping":
    case "pong":
      return { type: words[0] };
    case "hello":
      return words[1] === "new" ? { type: "hello" } : { type: "hello", resume: { session: fromHex(quoted[0]), last: after("last") } };
    case "welcome":
      return { type: "welcome", outcome: { new: 0, resumed: 1, failed: 2 }[words[1]], session: fromHex(quoted[0]), last: after("last") };
  }
  throw new Error(`no frame called ${words[0]}`);
}

test("the JS wire codec encodes and decodes PROTOCOL.md's test vectors", () => {
  const rows = vectors();
  assert.ok(rows.length >= 12, `only ${rows.length} vectors`);
  let checked = 0;
  for (const [description, hex] of rows) {
    const frame = frameOf(description);
    // Numbers beyond 2^53 - 1 are out of a JS number's exact range: the JS
    // codec refuses them (no session reaches them), as PROTOCOL.md allows.
    if (Object.values(frame).some((v) => typeof v === "number" && !Number.isSafeInteger(v))) {
      assert.throws(() => decode(fromHex(hex)), /beyond 2\^53/);
      continue;
    }
    assert.equal(hexOf(encode(frame)), hex, description);
    const back = decode(fromHex(hex));
    assert.deepEqual({ ...back, ...(back.payload && { payload: hexOf(back.payload) }), ...(back.session && { session: hexOf(back.session) }), ...(back.resume && { resume: { ...back.resume, session: hexOf(back.resume.session) } }) },
      { ...frame, ...(frame.payload && { payload: hexOf(frame.payload) }), ...(frame.session && { session: hexOf(frame.session) }), ...(frame.resume && { resume: { ...frame.resume, session: hexOf(frame.resume.session) } }) }, description);
    checked++;
  }
  assert.ok(checked >= 11);
  const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
  const refused = doc.split("Byte strings that must be refused:")[1].split("\n\n")[0];
  const bad = [...refused.matchAll(/`([0-9a-f]*)`/g)].map((m) => m[1]);
  assert.ok(bad.length >= 10);
  for (const hex of bad) assert.throws(() => decode(fromHex(hex)), undefined, `accepted ${hex || "(empty)"}`);
});

test("client to server: every message once and in order across drops, black holes and refusals", async () => {
  const server = await startResumeServer();
  const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "text", resume: true });
  try {
    await socket.opened();
    const total = 600;
    let drops = 0;
    for (let i = 1; i <= total; i++) {
      socket.send(`c${i}`);
      // Messages sent right after a fault go into the dead link.
      if (i % 60 === 0) {
        server.faults.drop();
        drops++;
      }
      if (i % 60 === 10) await until("the resume", () => socket.resumeStats.resumes >= drops && socket.state === "open");
      if (i === 315) server.faults.blackhole(true);
      if (i === 330) {
        await until("the black hole found", () => socket.state !== "open");
        server.faults.blackhole(false);
        server.faults.refuse(true);
      }
      if (i === 340) {
        await sleep(100);
        server.faults.refuse(false);
        await until("the resume after the refusals", () => socket.state === "open");
        drops = socket.resumeStats.resumes;
      }
    }
    await until("every message at the server", () => server.sessions[0]?.received.length >= total);
    await until("every message acknowledged", () => socket.resumeStats.unacked === 0 && socket.resumeStats.acknowledged === total);
    assert.equal(server.sessions.length, 1, "one session throughout");
    assert.deepEqual(server.sessions[0].received, Array.from({ length: total }, (_, i) => `c${i + 1}`));
    const stats = socket.resumeStats;
    assert.equal(stats.sent, total);
    assert.ok(stats.resumes >= 5, `resumed ${stats.resumes} times`);
    assert.ok(stats.replayed > 0, "the replay path ran");
    assert.equal(stats.resyncs, 0);
  } finally {
    socket.dispose();
    await server.close();
  }
});

test("texts go both ways without a call into wasm per message, and stay once and in order across drops (the direct path)", async () => {
  // A path test: the resume module's SocketCore, whose per-message entry
  // points are counted while an echo runs.
  const { SocketCore } = await import("../../pkg/resume/steadysocket_resume.js");
  const calls = { send: 0, textArrived: 0 };
  const originals = {};
  for (const name of Object.keys(calls)) {
    originals[name] = SocketCore.prototype[name];
    SocketCore.prototype[name] = function (...args) {
      calls[name]++;
      return originals[name].apply(this, args);
    };
  }
  const server = await startResumeServer();
  const { socket, got } = receiving(server.url);
  try {
    await socket.opened();
    const total = 3000;
    for (let i = 1; i <= total; i++) {
      socket.send(`echo ${i}`);
      if (i % 50 === 0) await until("the echoes so far", () => got.length >= i - 50);
      // Drops land with messages sent directly and not yet acknowledged.
      if (i % 700 === 0) server.faults.drop();
    }
    await until("every echo", () => got.length >= total, 20_000);
    await until("every message acknowledged", () => socket.resumeStats.unacked === 0 && socket.resumeStats.acknowledged === total);
    const expected = (prefix) => Array.from({ length: total }, (_, i) => `${prefix}${i + 1}`);
    assert.deepEqual(server.sessions[0].received, expected("echo "));
    assert.deepEqual(got, expected("echo:"));
    assert.equal(server.sessions.length, 1, "one session throughout");
    const stats = socket.resumeStats;
    assert.equal(stats.sent, total);
    assert.equal(stats.received, total);
    assert.ok(stats.resumes >= 3, `resumed ${stats.resumes} times`);
    assert.ok(stats.replayed > 0, "the replay path ran");
    // Most messages never entered wasm one by one.
    assert.ok(calls.send < total / 4, `${calls.send} calls of send for ${total} messages`);
    assert.ok(calls.textArrived < total / 4, `${calls.textArrived} calls of textArrived for ${total} messages`);
  } finally {
    Object.assign(SocketCore.prototype, originals);
    socket.dispose();
    await server.close();
  }
});

test("server to client: every message once and in order across drops", async () => {
  const server = await startResumeServer();
  const { socket, got } = receiving(server.url);
  try {
    await socket.opened();
    const session = server.sessions[0].session;
    const total = 600;
    let drops = 0;
    for (let i = 1; i <= total; i++) {
      await session.send(`s${i}`);
      if (i % 75 === 0) {
        server.faults.drop();
        drops++;
      }
      if (i % 75 === 10) await until("the resume", () => session.stats.resumes >= drops && session.connected);
    }
    await until("every message at the client", () => got.length >= total);
    await until("every message acknowledged", () => session.unacked === 0);
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => `s${i + 1}`));
    assert.ok(session.stats.replayed > 0, "the server's replay path ran");
    assert.ok(session.stats.resumes >= 5);
  } finally {
    socket.dispose();
    await server.close();
  }
});

test("on the wire: text is the application's own text frame, binary data has one byte of envelope, acks are amortised", async () => {
  const server = await startResumeServer();
  // What the client's platform socket sends and receives, as it is.
  const wire = { up: [], down: [] };
  const Base = platform.WebSocket ?? globalThis.WebSocket;
  class Watching extends Base {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", (e) => wire.down.push(e.data));
    }
    send(data) {
      wire.up.push(typeof data === "string" ? data : new Uint8Array(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data));
      super.send(data);
    }
  }
  const socket = new SteadySocket(server.url, { ...fast, WebSocket: Watching, codec: "text", resume: true });
  const got = [];
  socket.onMessage((m) => got.push(m));
  const binary = new SteadySocket(server.url, { ...fast, WebSocket: Watching, codec: "binary", resume: true });
  try {
    await Promise.all([socket.opened(), binary.opened()]);
    const texts = Array.from({ length: 100 }, (_, i) => `t${i} é ✓`);
    for (const t of texts) socket.send(t);
    const session = server.sessions[0].session;
    for (const t of texts) await session.send(`down ${t}`);
    await until("both ways", () => got.length === 100 && server.sessions[0].received.length === 100);
    await until("the server's acks", () => socket.resumeStats.acknowledged === 100);
    // Every text message left as a text frame holding exactly its text, and
    // arrived as one.
    assert.deepEqual(wire.up.filter((f) => typeof f === "string"), texts);
    assert.deepEqual(wire.down.filter((f) => typeof f === "string"), texts.map((t) => `down ${t}`));
    assert.deepEqual(got, texts.map((t) => `down ${t}`));
    // A binary message: one byte in front of its bytes.
    binary.send(new Uint8Array([7, 8, 9]));
    await until("the binary message", () => server.sessions[1]?.received.length === 1);
    assert.ok(wire.up.some((f) => typeof f !== "string" && hexOf(f) === "00070809"), "0x00 then the payload");
    assert.deepEqual([...new Uint8Array(server.sessions[1].received[0])], [7, 8, 9]);
    // The client's binary frames besides the hellos are its acks: a few
    // bytes every so many messages, well under one byte per message.
    const control = wire.up.filter((f) => typeof f !== "string" && f[0] !== 0x20 && f[0] !== 0x00);
    assert.ok(control.every((f) => f[0] === 0x10), "acks only");
    const ackBytes = control.reduce((n, f) => n + f.length, 0);
    assert.ok(ackBytes / 100 < 1, `${ackBytes} bytes of acks for 100 messages`);
  } finally {
    socket.dispose();
    binary.dispose();
    await server.close();
  }
});

test("the test server speaks it too: both directions once and in order across its drop fault", async () => {
  const test = scope("resume-test-server");
  const socket = new SteadySocket(wsUrl("/echo", test, "&echo=0"), { ...platform, ...fast, codec: "text", resume: true, protocols: ["chat"] });
  const got = [];
  socket.onMessage((m) => got.push(m));
  try {
    await socket.opened();
    assert.equal(socket.protocol, "chat", "the application's protocol, without the resume token");
    const total = 400;
    for (let i = 1; i <= total; i++) {
      // Sent into a black hole, then dropped: lost in flight, replayed.
      if (i === 201) await control("blackhole", test, "on=true");
      socket.send(`c${i}`);
      if (i === 230) {
        await control("drop", test);
        await control("blackhole", test, "on=false");
      }
      if (i % 50 === 0) {
        // Sent and produced just before the drop: some are in flight.
        await Promise.all([control("produce", test, "n=50"), control("drop", test)]);
        await until("the resume", () => socket.resumeStats.resumes >= i / 50 && socket.state === "open");
      }
    }
    let stats;
    for (let i = 0; i < 300 && !(stats?.[0]?.received >= total && got.length >= total); i++) {
      stats = await report("resume", test);
      await sleep(20);
    }
    assert.deepEqual(
      { received: stats[0].received, duplicated: stats[0].duplicated, reordered: stats[0].reordered, highest: stats[0].highest },
      { received: total, duplicated: 0, reordered: 0, highest: total },
    );
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => `s${i + 1}`));
    assert.ok(socket.resumeStats.replayed > 0, "the client's replay ran");
    assert.equal(socket.resumeStats.resyncs, 0);
    // Its forget fault: the next resume fails, and the client resyncs.
    await control("forget", test);
    await control("drop", test);
    await next(socket, "resync");
    assert.equal(socket.resumeStats.resyncs, 1);
  } finally {
    socket.dispose();
  }
});

test("a window smaller than the server's ack cadence: the client asks for the ack with a ping, and waits a round trip, not the ack delay", async () => {
  // The test server acknowledges every 128 messages or after 50 ms; a window
  // of 4 without asking would wait 50 ms for each of the 100 windows below.
  const test = scope("resume-small-window");
  const { socket, got } = receiving(wsUrl("/echo", test), { resume: { maxUnackedMessages: 4 } });
  try {
    await socket.opened();
    const total = 400;
    const started = performance.now();
    for (let i = 1; i <= total; i++) socket.send(`c${i}`);
    await until("every echo", () => got.length >= total, 20000);
    const took = performance.now() - started;
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => `c${i + 1}`));
    const [stats] = await report("resume", test);
    // An ask per window filled (or per ack that left it full), not one per
    // message waiting.
    assert.ok(stats.pings >= total / 4 / 2 && stats.pings <= total / 2, `${stats.pings} pings for ${total / 4} windows`);
    assert.ok(took < 2500, `${took.toFixed(0)} ms for ${total / 4} windows (50 ms of ack delay each would be 5000)`);
  } finally {
    socket.dispose();
  }
});

test("sendAcked resolves once the server's handler has finished", async () => {
  const done = [];
  const server = await startResumeServer({}, (session) => {
    session.onmessage = async (m) => {
      await sleep(60);
      done.push(m);
    };
  });
  const socket = new SteadySocket(server.url, { ...platform, ...fast, resume: true });
  try {
    await socket.opened();
    const first = socket.sendAcked({ n: 1 });
    const second = socket.sendAcked({ n: 2 });
    await first;
    assert.equal(done[0], '{"n":1}', "resolved after the first handler, not before");
    await second;
    assert.equal(done.length, 2);
    // Queued while the link is down, acknowledged after the reconnect.
    server.faults.refuse(true);
    server.faults.drop();
    await until("the link down", () => socket.state !== "open");
    const third = socket.sendAcked({ n: 3 });
    server.faults.refuse(false);
    await third;
    assert.equal(done.at(-1), '{"n":3}');
  } finally {
    socket.dispose();
    await server.close();
  }
});

test("a lost session: resync, drops of reason resync, a new handshake; a resume runs none", async () => {
  const server = await startResumeServer();
  let handshakes = 0;
  const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "text", resume: true, handshake: () => `hello${++handshakes}` });
  const drops = [];
  const resyncs = [];
  socket.addEventListener("drop", (e) => drops.push([e.data, e.reason]));
  socket.addEventListener("resync", () => resyncs.push(drops.length));
  try {
    await socket.opened();
    socket.send("a");
    await until("a at the server", () => server.sessions[0].received.includes("a"));
    server.faults.drop();
    await until("resumed", () => socket.resumeStats.resumes === 1 && socket.state === "open");
    assert.equal(handshakes, 1, "a resume does not run the handshake");
    // Sent into a black hole, then the server loses the session.
    server.faults.blackhole(true);
    const acked = socket.sendAcked("b");
    socket.send("c");
    await sleep(50);
    server.faults.blackhole(false);
    // As a restart with an in-memory store: the session is gone.
    await server.resume.store.delete(server.sessions[0].session.key);
    server.resume.forget(server.sessions[0].session);
    server.faults.drop();
    await assert.rejects(acked, (e) => e instanceof SteadySocketError && e.code === "dropped" && /resync/.test(e.message));
    await until("a new session", () => server.sessions.length === 2 && server.sessions[1].received.length >= 1);
    assert.deepEqual(drops, [["b", "resync"], ["c", "resync"]]);
    assert.deepEqual(resyncs, [2], "resync after its drops");
    assert.equal(handshakes, 2);
    assert.deepEqual(server.sessions[1].received, ["hello2"]);
    assert.equal(socket.resumeStats.resyncs, 1);
    socket.send("d");
    await until("d in the new session", () => server.sessions[1].received.includes("d"));
  } finally {
    socket.dispose();
    await server.close();
  }
});

test("a server that does not pick the protocol: plain WebSocket, and sendAcked rejects", async () => {
  // It picks the application's own protocol (a server must pick one of the
  // offered protocols: the platform fails a handshake whose answer names none).
  const server = await startResumeServer({ plain: true });
  const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "text", resume: true, protocols: ["chat"] });
  try {
    await socket.opened();
    assert.equal(socket.protocol, "chat");
    assert.equal(socket.resumeStats.live, false);
    await assert.rejects(socket.sendAcked("x"), (e) => e.code === "no-resume");
    socket.send("plain");
    const echo = await new Promise((resolve) => socket.onMessage(resolve));
    assert.equal(echo, "plain");
  } finally {
    socket.dispose();
    await server.close();
  }
  const plain = new SteadySocket("ws://127.0.0.1:1/", { ...platform, startClosed: true });
  await assert.rejects(plain.sendAcked("x"), (e) => e.code === "no-resume" && /resume option/.test(e.message));
  plain.dispose();
});

test("sendAcked rejects on dispose", async () => {
  const server = await startResumeServer();
  const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "raw", resume: true });
  await socket.opened();
  server.faults.blackhole(true);
  const pending = socket.sendAcked("never acknowledged");
  await sleep(20);
  socket.dispose();
  await assert.rejects(pending, (e) => e.code === "disposed");
  await server.close();
});

/** A raw client speaking the protocol by hand; resolves with its first answer or close. */
function raw(url, frames, headers) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [SUBPROTOCOL], { headers });
    const got = [];
    ws.on("open", () => frames.forEach((f) => ws.send(f)));
    ws.on("message", (data, binary) => {
      got.push(binary ? decode(new Uint8Array(data)) : String(data));
      if (got.length === 1 && got[0].type === "welcome" && frames.length === 1) {
        ws.close();
      }
    });
    ws.on("close", (code) => resolve({ code, got }));
  });
}

test("hostile clients: ids that are not theirs fail alike; broken frames close 4400", async () => {
  const server = await startResumeServer({ authorize: (req) => new URL(req.url, "http://x").searchParams.get("user") ?? null });
  const alice = new SteadySocket(server.url + "?user=alice", { ...platform, ...fast, codec: "text", resume: true });
  try {
    await alice.opened();
    const aliceId = server.sessions[0].session.raw;
    const hello = (id, last = 0) => encode({ type: "hello", resume: { session: id, last } });
    // Another identity presenting alice's id, and anyone guessing one.
    const mallory = await raw(server.url + "?user=mallory", [hello(aliceId)]);
    const guess = await raw(server.url + "?user=alice", [hello(new Uint8Array(16).fill(7))]);
    for (const { got } of [mallory, guess]) {
      assert.equal(got[0].type, "welcome");
      assert.equal(got[0].outcome, 2, "resume failed");
      assert.equal(got[0].last, 0);
      assert.notEqual(hexOf(got[0].session), hexOf(aliceId));
    }
    // Alice's session is untouched by either.
    alice.send("still mine");
    await until("alice's message", () => server.sessions[0].received.includes("still mine"));
    // No identity: refused.
    assert.equal((await raw(server.url, [encode({ type: "hello" })])).code, 1008);
    // A resume from a server sequence never sent, an ack beyond what was
    // sent, a reserved frame type, a first frame that is no hello, garbage.
    const cases = [
      [hello(aliceId, 99)],
      [encode({ type: "hello" }), encode({ type: "ack", ack: 5 })],
      [encode({ type: "hello" }), new Uint8Array([0x01, 0x74])],
      [encode({ type: "ping" })],
      [new Uint8Array([0x20, 0x07])],
    ];
    for (const frames of cases) {
      const { code } = await raw(server.url + "?user=alice", frames);
      assert.equal(code, 4400, `frames ${frames.map((f) => (typeof f === "string" ? f : hexOf(f))).join(",")}`);
    }
  } finally {
    alice.dispose();
    await server.close();
  }
});

test("the server's limits: an expired session resyncs, resumes are rate-limited, a full replay buffer makes send() wait", async () => {
  // Expiry: a session without a connection for longer than sessionTtl is gone.
  {
    const server = await startResumeServer({ sessionTtl: 150 });
    const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "text", resume: true });
    try {
      await socket.opened();
      server.faults.refuse(true);
      server.faults.drop();
      await sleep(400);
      server.faults.refuse(false);
      await next(socket, "resync", 10000);
      assert.equal(server.sessions.length, 2, "a new session after the old one expired");
    } finally {
      socket.dispose();
      await server.close();
    }
  }
  // Rate limit: the third resume of one id within a minute is closed with 1013.
  {
    const server = await startResumeServer({ maxResumesPerSession: 2 });
    const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "text", resume: true, startClosed: true });
    try {
      const first = await raw(server.url, [encode({ type: "hello" })]);
      const id = first.got[0].session;
      const resume = () => raw(server.url, [encode({ type: "hello", resume: { session: id, last: 0 } })]);
      assert.equal((await resume()).got[0]?.outcome, 1);
      assert.equal((await resume()).got[0]?.outcome, 1);
      const third = await resume();
      assert.equal(third.code, 1013);
      assert.deepEqual(third.got, []);
    } finally {
      socket.dispose();
      await server.close();
    }
  }
  // Replay cap: with 3 unacknowledged, the 4th send waits until acks free room.
  {
    const server = await startResumeServer({ maxReplayMessages: 3 });
    const { socket, got } = receiving(server.url);
    try {
      await socket.opened();
      const session = server.sessions[0].session;
      server.faults.blackhole(true);
      const settled = [];
      const sends = [1, 2, 3, 4].map((n) => session.send(`s${n}`).then(() => settled.push(n)));
      await sleep(100);
      assert.deepEqual(settled, [1, 2, 3], "the fourth waits for room");
      assert.equal(session.unacked, 3);
      server.faults.drop();
      server.faults.blackhole(false);
      await Promise.all(sends);
      await until("all four at the client", () => got.length === 4);
      assert.deepEqual(got, ["s1", "s2", "s3", "s4"]);
    } finally {
      socket.dispose();
      await server.close();
    }
  }
});

test("the total replay cap counts what sessions still hold: a resume's acknowledgement and an expired session give their bytes back", async () => {
  const server = await startResumeServer({ maxTotalReplayBytes: 10, sessionTtl: 200 });
  try {
    const first = await raw(server.url, [encode({ type: "hello" })]);
    const id = first.got[0].session;
    const a = server.sessions[0].session;
    await a.send("12345678");
    assert.equal(server.resume.replayBytes, 8);
    // A resume telling the client processed it.
    const again = await raw(server.url, [encode({ type: "hello", resume: { session: id, last: 1 } })]);
    assert.equal(again.got[0].outcome, 1);
    await until("the resume's acknowledgement given back", () => server.resume.replayBytes === 0, 1000);
    // Kept, and the session expires with it unacknowledged.
    await a.send("abcdefgh");
    await until("an expired session's bytes given back", () => server.resume.replayBytes === 0, 2000);
    // So another session's send does not wait on bytes nobody holds.
    await raw(server.url, [encode({ type: "hello" })]);
    const b = server.sessions.at(-1).session;
    assert.notEqual(b, a);
    await Promise.race([b.send("ABCDEFGH"), sleep(1000).then(() => assert.fail("the send waited for room held by an ended session"))]);
  } finally {
    await server.close();
  }
});

test("a resume right after the welcome, before any message either way, recovers what follows (socket.io#5538)", async () => {
  const server = await startResumeServer();
  const { socket, got } = receiving(server.url);
  try {
    await socket.opened();
    const session = server.sessions[0].session;
    // No message yet in either direction: drop, then both sides send while it is down.
    server.faults.refuse(true);
    server.faults.drop();
    await until("the link down", () => socket.state !== "open");
    socket.send("c1");
    await session.send("s1");
    server.faults.refuse(false);
    await until("both messages", () => got.length === 1 && server.sessions[0].received.length === 1);
    assert.deepEqual(got, ["s1"]);
    assert.deepEqual(server.sessions[0].received, ["c1"]);
    assert.equal(socket.resumeStats.resumes, 1);
    assert.equal(server.sessions.length, 1, "the same session");
  } finally {
    socket.dispose();
    await server.close();
  }
});

test("a handler that throws is reported to onError, its message counts as processed, and the next is delivered", async () => {
  const errors = [];
  const server = await startResumeServer({ onError: (e, session) => errors.push([e.message, typeof session.shortId]) }, (session, record) => {
    session.onmessage = async (m) => {
      record.received.push(m);
      if (m === "bad") throw new Error("handler failed");
    };
  });
  const socket = new SteadySocket(server.url, { ...platform, ...fast, codec: "text", resume: true });
  try {
    await socket.opened();
    await socket.sendAcked("bad");
    await socket.sendAcked("good");
    assert.deepEqual(server.sessions[0].received, ["bad", "good"]);
    assert.deepEqual(errors, [["handler failed", "string"]]);
  } finally {
    socket.dispose();
    await server.close();
  }
});
