// The conformance suite for resume protocol server adapters (docs/PROTOCOL.md,
// "Conformance"). It runs against any adapter by URL:
//
//   CONFORMANCE_URL=ws://127.0.0.1:PORT/path node --test tests/conformance/suite.mjs
//
// The server there runs the conformance application with the conformance
// settings (both described in PROTOCOL.md). The suite puts a TCP proxy of its
// own in front of it for faults (tests/conformance/proxy.mjs), and speaks
// the protocol both through the real client (SteadySocket with resume on)
// and byte by byte (the frames of js/wire.ts), for:
// - negotiation and the handshake; the test vectors' refusals;
// - text and binary both ways, once and in order, across drops, black holes
//   and refused reconnects;
// - the commit point, replay of what was not acknowledged, fencing;
// - hostile clients: a guessed id and another identity's id refused exactly
//   like a lost session, no identity, out-of-range sequences and acks, a
//   missing hello; the replay cap, expiry and the resume rate limit.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { SteadySocket } from "../../dist/index.js";
import { decode, encode, SUBPROTOCOL } from "../../dist/wire.js";
import { startProxy } from "./proxy.mjs";
import { sleep, until } from "../js/wait.mjs";

const target = new URL(process.env.CONFORMANCE_URL ?? "");
if (!/^wss?:$/.test(target.protocol)) throw new Error("set CONFORMANCE_URL to the ws:// URL of a server running the conformance application");
const name = process.env.CONFORMANCE_NAME ?? target.host;
// The conformance settings (PROTOCOL.md).
const SETTINGS = { sessionTtl: 1000, maxReplayMessages: 8, maxResumesPerSession: 20, helloTimeout: 1000 };

const proxy = await startProxy([{ host: target.hostname, port: Number(target.port) }]);
after(() => proxy.close());
const via = (user, path = target.pathname) => `ws://127.0.0.1:${proxy.port}${path}${user === null ? "" : `?user=${user}`}`;
const direct = (user) => `${target.origin}${target.pathname}${user === null ? "" : `?user=${user}`}`;
let users = 0;
const someone = () => `u${process.pid}-${++users}`;

const hexOf = (bytes) => Buffer.from(bytes).toString("hex");
const fromHex = (hex) => new Uint8Array(Buffer.from(hex, "hex"));
const hello = (session, last = 0) => encode(session ? { type: "hello", resume: { session, last } } : { type: "hello" });
const ack = (n) => encode({ type: "ack", ack: n });

/**
 * A connection that speaks the protocol frame by frame: `frames` holds what
 * came (binary frames decoded, text frames as strings), `closed` resolves
 * with the close code.
 */
function rawLink(url, protocols = [SUBPROTOCOL]) {
  const ws = new WebSocket(url, protocols);
  const frames = [];
  const link = {
    ws,
    frames,
    opened: new Promise((resolve, reject) => {
      ws.on("open", resolve);
      ws.on("unexpected-response", (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    }),
    closed: new Promise((resolve) => ws.on("close", (code) => resolve(code))),
    send: (f) => ws.send(f, { binary: typeof f !== "string" }),
    /** The next frame after the first `from` (waits for it). */
    async frame(at, ms = 5000) {
      await until(`frame ${at}`, () => frames.length > at, ms);
      return frames[at];
    },
    texts: () => frames.filter((f) => typeof f === "string"),
    close: () => ws.close(),
  };
  ws.on("message", (data, binary) => {
    try {
      frames.push(binary ? decode(new Uint8Array(data)) : String(data));
    } catch (e) {
      frames.push({ type: "malformed", error: e.message });
    }
  });
  ws.on("error", () => {});
  return link;
}

/**
 * A raw link's hello and its answer: [link, welcome]. With `resume`
 * ([session id, last server sequence]) it presents that session; without,
 * it asks for a new one.
 */
async function session(user, resume = []) {
  const link = rawLink(direct(user));
  await link.opened;
  link.send(hello(...resume));
  const welcome = await link.frame(0);
  assert.equal(welcome.type, "welcome");
  return [link, welcome];
}

/** The highest ack the server sent on a link (piggybacked or on its own). */
const highestAck = (link) => Math.max(0, ...link.frames.filter((f) => f.ack !== undefined).map((f) => f.ack));

test(`${name}: the subprotocol is negotiated, the application's own protocol kept`, async () => {
  const user = someone();
  const withApp = rawLink(direct(user), [`${SUBPROTOCOL}~chat.v2`, `${SUBPROTOCOL}~chat.v1`, "chat.v2", "chat.v1"]);
  await withApp.opened;
  assert.ok(withApp.ws.protocol.startsWith(`${SUBPROTOCOL}~chat.v`), `picked ${withApp.ws.protocol}`);
  withApp.close();
  const bare = rawLink(direct(user), [SUBPROTOCOL]);
  await bare.opened;
  assert.equal(bare.ws.protocol, SUBPROTOCOL);
  bare.close();
});

test(`${name}: a hello is answered with a new session: a fresh id of 16 to 64 bytes, last 0`, async () => {
  const user = someone();
  const [a, first] = await session(user);
  const [b, second] = await session(user);
  for (const w of [first, second]) {
    assert.equal(w.outcome, 0);
    assert.equal(w.last, 0);
    assert.ok(w.session.length >= 16 && w.session.length <= 64);
  }
  assert.notEqual(hexOf(first.session), hexOf(second.session), "every session its own id");
  a.close();
  b.close();
});

test(`${name}: the real client, text and binary both ways once and in order across drops, black holes and refusals`, async () => {
  const user = someone();
  const options = { codec: "text", resume: true, initialDelay: 20, maxDelay: 100, connectionTimeout: 2000, heartbeat: { interval: 300, timeout: 300 } };
  const socket = new SteadySocket(via(user), options);
  const got = [];
  socket.onMessage((m) => got.push(m));
  const binary = new SteadySocket(via(someone()), { ...options, codec: "binary" });
  const gotBinary = [];
  binary.onMessage((m) => gotBinary.push([...new Uint8Array(m)]));
  try {
    await Promise.all([socket.opened(), binary.opened()]);
    const total = 240;
    let resumes = [];
    for (let i = 1; i <= total; i++) {
      if (i % 40 === 10) await until("both open again", () => socket.state === "open" && binary.state === "open");
      socket.send(`echo c${i}`);
      binary.send(new Uint8Array([i & 0xff, i >> 8]));
      if (i % 40 === 0) {
        proxy.faults.drop();
        await until("the drop seen", () => socket.state !== "open" && binary.state !== "open");
      }
      if (i === 100) socket.send("produce 50");
      if (i === 130) {
        resumes = [socket, binary].map((s) => s.resumeStats.resumes);
        proxy.faults.blackhole(true);
      }
      if (i === 150) {
        // Each finds the black hole by its heartbeat and resumes on a new connection.
        await until("the black hole found", () => socket.resumeStats.resumes > resumes[0] && binary.resumeStats.resumes > resumes[1]);
        proxy.faults.blackhole(false);
        proxy.faults.refuse(true);
        proxy.faults.drop();
        await until("the drop seen", () => socket.state !== "open" && binary.state !== "open");
      }
      if (i === 160) {
        await sleep(150);
        proxy.faults.refuse(false);
      }
    }
    await until("every echo", () => got.length >= total + 50 && gotBinary.length >= total, 30000);
    await until("everything acknowledged", () => socket.resumeStats.unacked === 0 && binary.resumeStats.unacked === 0);
    const echoes = got.filter((m) => m.startsWith("echo:"));
    assert.deepEqual(echoes, Array.from({ length: total }, (_, i) => `echo:c${i + 1}`));
    assert.deepEqual(got.filter((m) => m.startsWith("p")), Array.from({ length: 50 }, (_, i) => `p${i + 1}`));
    assert.deepEqual(gotBinary, Array.from({ length: total }, (_, i) => [(i + 1) & 0xff, (i + 1) >> 8]));
    for (const s of [socket, binary]) {
      assert.equal(s.resumeStats.resyncs, 0);
      assert.ok(s.resumeStats.resumes >= 5, `resumed ${s.resumeStats.resumes} times`);
    }
  } finally {
    socket.dispose();
    binary.dispose();
  }
});

test(`${name}: a message is acknowledged only once its handler has finished (the commit point)`, async () => {
  const [link] = await session(someone());
  const sent = Date.now();
  link.send("slow 400");
  await until("the ack of the slow message", () => highestAck(link) >= 1, 5000);
  const waited = Date.now() - sent;
  assert.ok(waited >= 380, `acknowledged after ${waited} ms, before the handler returned`);
  link.close();
});

test(`${name}: a ping asks for the ack: it comes once the message is processed, not after the ack delay; the pong does not wait for a slow handler`, async () => {
  // The ack delay is 100 ms: an ack asked for comes well before it. Timing
  // on a busy machine varies, so the best of three tries counts.
  const waits = [];
  for (let i = 0; i < 3 && !(waits.at(-1) < 50); i++) {
    const [link] = await session(someone());
    link.send("echo a");
    const asked = performance.now();
    link.send(encode({ type: "ping" }));
    await until("the ack asked for", () => highestAck(link) >= 1, 5000);
    waits.push(performance.now() - asked);
    await until("the pong", () => link.frames.some((f) => f.type === "pong"), 5000);
    link.close();
  }
  assert.ok(waits.at(-1) < 50, `acknowledged ${waits.map((w) => w.toFixed(0)).join(", ")} ms after the ping, as after the ack delay (100 ms)`);
  // A handler still running: the pong comes first, the ack when it is done.
  const [link] = await session(someone());
  link.send("slow 300");
  link.send(encode({ type: "ping" }));
  await until("the ack of the slow message", () => highestAck(link) >= 1, 5000);
  const pong = link.frames.findIndex((f) => f.type === "pong");
  const acked = link.frames.findIndex((f) => f.ack >= 1);
  assert.ok(pong > 0 && pong < acked, `the pong (frame ${pong}) did not come before the ack (frame ${acked})`);
  link.close();
});

test(`${name}: a resume replays what the client did not acknowledge, as it was, and takes up the numbering`, async () => {
  const user = someone();
  const [first, welcome] = await session(user);
  first.send("produce 3");
  first.send(new Uint8Array([0x00, 9, 9])); // binary data: echoed back as binary data
  await until("the three texts and the binary echo", () => first.texts().length === 3 && first.frames.some((f) => f.type === "data"));
  first.send(ack(1)); // p1 processed, p2, p3 and the echo not
  await sleep(50);
  first.close();
  await first.closed;
  const [second, resumed] = await session(user, [welcome.session, 1]);
  assert.equal(resumed.outcome, 1);
  assert.equal(hexOf(resumed.session), hexOf(welcome.session));
  assert.equal(resumed.last, 2, "both client messages processed");
  await until("the replay", () => second.frames.length >= 4);
  assert.deepEqual(second.frames.slice(1, 3), ["p2", "p3"]);
  assert.equal(second.frames[3].type, "data");
  assert.equal(hexOf(second.frames[3].payload), "0909");
  // The next client message is number 3.
  second.send("echo after");
  await until("its echo", () => second.texts().includes("echo:after"));
  second.send(ack(5));
  await sleep(50);
  second.close();
});

test(`${name}: a later resume supersedes the connection holding the session (closed 4409)`, async () => {
  const user = someone();
  const [first, welcome] = await session(user);
  const [second, resumed] = await session(user, [welcome.session, 0]);
  assert.equal(resumed.outcome, 1);
  assert.equal(await first.closed, 4409);
  second.send("echo still here");
  await until("the echo on the new connection", () => second.texts().includes("echo:still here"));
  second.close();
});

test(`${name}: a guessed id and another identity's id are answered like a lost session; the owner's session is untouched`, async () => {
  const alice = someone();
  const [owner, welcome] = await session(alice);
  owner.send("produce 1");
  await until("p1", () => owner.texts().length === 1);
  const answers = [];
  for (const [user, id] of [
    [someone(), welcome.session],
    [alice, new Uint8Array(16).fill(7)],
    [alice, new Uint8Array(welcome.session.length).map((b) => b ^ 1)],
  ]) {
    const [link, answer] = await session(user, [id, 0]);
    answers.push(answer);
    link.close();
  }
  for (const w of answers) {
    assert.equal(w.outcome, 2, "resume failed");
    assert.equal(w.last, 0);
    assert.notEqual(hexOf(w.session), hexOf(welcome.session), "a fresh id, never the one presented");
  }
  // Alike: nothing but the id tells the three answers apart.
  assert.deepEqual(new Set(answers.map((w) => `${w.outcome}/${w.last}/${w.session.length}`)).size, 1);
  // Alice's own connection goes on, and her session resumes.
  owner.send("echo mine");
  await until("alice's echo", () => owner.texts().includes("echo:mine"));
  owner.close();
  await owner.closed;
  const [back, resumed] = await session(alice, [welcome.session, 1]);
  assert.equal(resumed.outcome, 1);
  back.close();
});

test(`${name}: a connection with no identity is refused with 1008`, async () => {
  const link = rawLink(direct(null));
  link.opened.then(() => link.send(hello()), () => {});
  assert.equal(await link.closed, 1008);
});

test(`${name}: broken and out-of-range frames close the connection with 4400`, async () => {
  const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
  const refused = doc.split("Byte strings that must be refused:")[1].split("\n\n")[0];
  const bad = [...refused.matchAll(/`([0-9a-f]*)`/g)].map((m) => fromHex(m[1]));
  assert.ok(bad.length >= 10);
  const user = someone();
  const [owner, welcome] = await session(user);
  owner.close();
  const cases = [
    ...bad.map((b) => [`${hexOf(b) || "(empty)"} after the hello`, [hello(), b]]),
    ["an ack beyond what was sent", [hello(), ack(5)]],
    ["a binary data frame carrying an ack beyond what was sent", [hello(), fromHex("0205aa")]],
    ["a resume from a server sequence never sent", [hello(welcome.session, 99)]],
    ["a first frame that is no hello", [encode({ type: "ping" })]],
    ["text before the hello", ["hi"]],
    ["a second hello", [hello(), hello()]],
  ];
  for (const [what, frames] of cases) {
    const link = rawLink(direct(user));
    await link.opened;
    for (const f of frames) link.send(f);
    assert.equal(await link.closed, 4400, what);
  }
});

test(`${name}: a connection that sends no hello is closed with 4400 after the hello timeout`, async () => {
  const link = rawLink(direct(someone()));
  await link.opened;
  const start = Date.now();
  assert.equal(await link.closed, 4400);
  const took = Date.now() - start;
  assert.ok(took >= SETTINGS.helloTimeout - 100 && took < SETTINGS.helloTimeout + 2000, `closed after ${took} ms`);
});

test(`${name}: the replay buffer is capped: sends past it wait for acknowledgements, and the server asks for them with a ping`, async () => {
  const [link] = await session(someone());
  link.send("produce 12");
  await until("the first messages", () => link.texts().length >= SETTINGS.maxReplayMessages);
  await sleep(300);
  assert.equal(link.texts().length, SETTINGS.maxReplayMessages, "no more than the cap unacknowledged");
  // The server asks for the ack it waits for, once.
  assert.equal(link.frames.filter((f) => f.type === "ping").length, 1, "one ping asking for the ack");
  link.send(ack(SETTINGS.maxReplayMessages));
  await until("the rest", () => link.texts().length === 12);
  assert.deepEqual(link.texts(), Array.from({ length: 12 }, (_, i) => `p${i + 1}`));
  link.close();
});

test(`${name}: a session outlives its connection for the session TTL, then a resume fails`, async () => {
  const user = someone();
  const [first, welcome] = await session(user);
  first.close();
  await first.closed;
  // Within the TTL it resumes; the connection goes again.
  const [within, resumed] = await session(user, [welcome.session, 0]);
  assert.equal(resumed.outcome, 1);
  within.close();
  await within.closed;
  await sleep(SETTINGS.sessionTtl + 500);
  const [late, w] = await session(user, [welcome.session, 0]);
  assert.equal(w.outcome, 2);
  late.close();
});

test(`${name}: resume attempts are rate-limited per session id (1013)`, async () => {
  const user = someone();
  const [first, welcome] = await session(user);
  first.close();
  await first.closed;
  for (let i = 0; i < SETTINGS.maxResumesPerSession; i++) {
    const [link, resumed] = await session(user, [welcome.session, 0]);
    assert.equal(resumed.outcome, 1, `resume ${i + 1}`);
    link.close();
    await link.closed;
  }
  const over = rawLink(direct(user));
  await over.opened;
  over.send(hello(welcome.session, 0));
  assert.equal(await over.closed, 1013);
  assert.deepEqual(over.frames, [], "no welcome");
});
