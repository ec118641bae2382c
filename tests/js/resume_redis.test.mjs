// What is tested here: sessions of steadysocket/server in Redis (RedisStore),
// shared by two server processes' worth of ResumeServers behind a
// round-robin proxy, against the redis-server the test command starts
// (STEADYSOCKET_REDIS):
// - a client that reconnects lands on the other server every time and
//   resumes there: both directions once and in order, no resync;
// - a server that stops: its sessions live on in Redis, and resume on the
//   other;
// - fencing across servers: once another server took a session, the one
//   left behind can neither send in it nor record anything, and closes its
//   connection with 4409;
// - the Redis key layout of docs/PROTOCOL.md, with TTLs.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import WebSocket from "ws";
import { SteadySocket } from "../../dist/index.js";
import { RedisStore } from "../../dist/server-redis.js";
import { decode, encode, SUBPROTOCOL } from "../../dist/wire.js";
import { startResumeServer } from "./resume_server.mjs";
import { startProxy } from "../conformance/proxy.mjs";
import { platform, sleep, until } from "./helpers.mjs";

if (!process.env.STEADYSOCKET_REDIS) throw new Error("STEADYSOCKET_REDIS is not set: the test command starts redis-server (scripts/setup.sh installs it)");
const redis = new Redis(process.env.STEADYSOCKET_REDIS);
after(() => redis.disconnect());
let prefixes = 0;

/** Two servers sharing one Redis prefix, and a proxy that alternates between them. */
async function fleet(options = {}) {
  const prefix = `test:${process.pid}:${++prefixes}:`;
  const start = () => startResumeServer({ store: new RedisStore(redis, { prefix }), ...options });
  const servers = [await start(), await start()];
  const proxy = await startProxy(servers.map((s) => ({ host: "127.0.0.1", port: s.port })));
  return { prefix, servers, proxy, start, close: async () => (await proxy.close(), await Promise.all(servers.map((s) => s.close()))) };
}

const fast = { initialDelay: 20, maxDelay: 100, connectionTimeout: 2000, heartbeat: { interval: 300, timeout: 300 } };

/** A text socket with resume on, through the fleet's proxy, and what it receives. */
function client(f) {
  const socket = new SteadySocket(`ws://127.0.0.1:${f.proxy.port}/`, { ...platform, ...fast, codec: "text", resume: true });
  const got = [];
  socket.onMessage((m) => got.push(m));
  return { socket, got };
}

test("two servers sharing Redis: every reconnect lands on the other, and both directions arrive once and in order", async () => {
  const f = await fleet();
  const { socket, got } = client(f);
  try {
    await socket.opened();
    const total = 300;
    const received = () => f.servers.flatMap((s) => s.sessions.flatMap((r) => r.received));
    for (let i = 1; i <= total; i++) {
      socket.send(`echo c${i}`);
      if (i % 30 === 0) {
        // Dropped once the server has recorded every message sent as
        // processed (the client holds none unacknowledged): a handler
        // still running on one process when the other takes the session
        // runs again there (PROTOCOL.md, "Sessions in Redis"), which this
        // echo application does not guard against; the fleet soak's tally,
        // keyed by (session, seq), covers that case. The server's echoes
        // may still be in flight at the drop.
        await until("processed", () => socket.resumeStats.unacked === 0);
        f.proxy.faults.drop();
        await until("the drop seen", () => socket.state !== "open");
        await until("the resume", () => socket.state === "open");
      }
    }
    await until("every echo", () => got.length >= total);
    await until("everything acknowledged", () => socket.resumeStats.unacked === 0);
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => `echo:c${i + 1}`));
    // Each server's application got its share, and together each message once, in order.
    const all = received().sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
    assert.deepEqual(all, Array.from({ length: total }, (_, i) => `echo c${i + 1}`));
    for (const s of f.servers) assert.ok(s.sessions.length > 0, "each server held the session in turn");
    assert.ok(socket.resumeStats.resumes >= 9, `resumed ${socket.resumeStats.resumes} times`);
    assert.equal(socket.resumeStats.resyncs, 0);
  } finally {
    socket.dispose();
    await f.close();
  }
});

test("a server that stops: its sessions live on in Redis and resume on the other server, nothing lost", async () => {
  const f = await fleet();
  const { socket, got } = client(f);
  try {
    await socket.opened();
    const first = f.servers.findIndex((s) => s.sessions.length > 0);
    const other = f.servers[1 - first];
    // Sent while the first server stops: some of these die with it.
    for (let i = 1; i <= 50; i++) socket.send(`echo c${i}`);
    await f.servers[first].close();
    f.proxy.retarget([{ host: "127.0.0.1", port: other.port }]);
    for (let i = 51; i <= 100; i++) socket.send(`echo c${i}`);
    await until("every echo", () => got.length >= 100);
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => `echo:c${i + 1}`));
    assert.equal(socket.resumeStats.resyncs, 0, "the session survived its server");
    assert.ok(other.sessions.length === 1 && other.sessions[0].received.length > 0);
  } finally {
    socket.dispose();
    await f.close();
  }
});

/** A raw connection: frames as they come, and the close code. */
function rawLink(url) {
  const ws = new WebSocket(url, [SUBPROTOCOL]);
  const frames = [];
  ws.on("message", (data, binary) => frames.push(binary ? decode(new Uint8Array(data)) : String(data)));
  return {
    ws,
    frames,
    opened: new Promise((r) => ws.on("open", r)),
    closed: new Promise((r) => ws.on("close", (code) => r(code))),
  };
}

test("fencing across servers: the server a resume left behind can no longer send or record, and closes its connection with 4409", async () => {
  const f = await fleet();
  const [a, b] = f.servers;
  try {
    const onA = rawLink(a.url);
    await onA.opened;
    onA.ws.send(encode({ type: "hello" }));
    await until("the welcome", () => onA.frames.length === 1);
    const id = onA.frames[0].session;
    const sessionOnA = a.sessions[0].session;
    await sessionOnA.send("before");
    await until("before", () => onA.frames.includes("before"));
    // The client resumes on B, with "before" processed.
    const onB = rawLink(b.url);
    await onB.opened;
    onB.ws.send(encode({ type: "hello", resume: { session: id, last: 1 } }));
    await until("the welcome on B", () => onB.frames.length === 1);
    assert.equal(onB.frames[0].outcome, 1);
    // A no longer holds the session: its send is refused, its connection closed.
    await assert.rejects(sessionOnA.send("late"), /ended/);
    assert.equal(await onA.closed, 4409);
    // B goes on; "late" was never stored.
    await b.sessions[0].session.send("from B");
    await until("from B", () => onB.frames.includes("from B"));
    assert.ok(!onB.frames.includes("late"));
    // The key layout: the session's hash and replay list, both with a TTL.
    const key = Buffer.from(id).toString("hex");
    const hash = await redis.hgetall(`${f.prefix}session:${key}`);
    assert.deepEqual(Object.keys(hash).sort(), ["acked", "bytes", "epoch", "identity", "processed", "protocol", "sent"]);
    assert.equal(hash.epoch, "2");
    assert.equal(hash.sent, "2");
    assert.equal(hash.acked, "1");
    assert.deepEqual(await redis.lrangeBuffer(`${f.prefix}replay:${key}`, 0, -1), [Buffer.from("tfrom B")]);
    for (const k of ["session", "replay"]) assert.ok((await redis.pttl(`${f.prefix}${k}:${key}`)) > 0, `${k} has a TTL`);
    // The resume counted against the session id and the identity ("" here), for a minute.
    assert.equal(await redis.get(`${f.prefix}rate:s:${key}`), "1");
    assert.equal(await redis.get(`${f.prefix}rate:i:`), "1");
    assert.ok((await redis.pttl(`${f.prefix}rate:s:${key}`)) > 50_000);
    onB.ws.close();
  } finally {
    await f.close();
  }
});
