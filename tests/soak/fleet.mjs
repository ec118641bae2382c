// The two-instance soak: two server processes sharing sessions in Redis,
// of the Node adapter (tests/soak/instance.mjs), of the Rust adapter (its
// soak_instance example), or one of each, behind a round-robin
// TCP proxy of the tests' own (tests/conformance/proxy.mjs), so that every
// reconnect lands on the other process. A Node 22 client (SteadySocket with
// resume) floods client to server while the server side produces server to
// client (asked straight, not through the proxy); the proxy drops every
// connection now and then, and the processes are killed (SIGKILL) and
// restarted in turn. Then the faults stop, replay drains, and one line per
// direction is printed in the resume soak's format:
//   resume soak node22-2instances-redis-<adapter> <direction>: sent=... delivered=...
//     lost=0 duplicated=0 reordered=0 drops=D replayed=R resyncs=0 policy_dropped=0
// Needs STEADYSOCKET_REDIS; with STEADYSOCKET_TEST_SERVER, the lines also go
// to the test server's log, where scripts/soak-lines.mjs checks them.
// FLEET_MESSAGES (default 50000) and FLEET_KILLS (default 20) set the size;
// `node tests/soak/fleet.mjs node|rust|mixed` the adapter (default node;
// rust needs `cargo build -p steadysocket-server --features redis --examples`).
import { fileURLToPath } from "node:url";
import Redis from "ioredis";
import { SteadySocket } from "../../dist/index.js";
import { startProxy } from "../conformance/proxy.mjs";
import { startListening } from "../conformance/listening.mjs";
import { sleep, until } from "../js/wait.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const redisUrl = process.env.STEADYSOCKET_REDIS;
if (!redisUrl) throw new Error("STEADYSOCKET_REDIS is not set: run this with a redis-server (scripts/soak.sh starts one)");
const MESSAGES = Number(process.env.FLEET_MESSAGES ?? 50000);
const KILLS = Number(process.env.FLEET_KILLS ?? 20);
const adapter = process.argv[2] ?? "node";
const commands = {
  node: [process.execPath, "tests/soak/instance.mjs"],
  rust: ["target/debug/examples/soak_instance"],
};
// Which adapter each of the two instances runs.
const kinds = { node: ["node", "node"], rust: ["rust", "rust"], mixed: ["node", "rust"] }[adapter];
if (!kinds) throw new Error(`unknown adapter ${adapter}: node, rust or mixed`);
const runtime = `node22-2instances-redis-${adapter}`;
const prefix = `fleet:${process.pid}:`;

/** Starts instance `at` (on `port`, or a free one): { child, port }. */
const instance = (at, port = 0) => startListening([...commands[kinds[at]], "--redis", redisUrl, "--prefix", prefix, "--port", String(port)], root);
// Long waits: a soak drains tens of thousands of messages.
const LONG = 120_000;

const instances = [await instance(0), await instance(1)];
const proxy = await startProxy(instances.map((i) => ({ host: "127.0.0.1", port: i.port })));
const redis = new Redis(redisUrl);
const socket = new SteadySocket(`ws://127.0.0.1:${proxy.port}/`, { codec: "text", resume: true, initialDelay: 10, maxDelay: 100, connectionTimeout: 3000, heartbeat: { interval: 500, timeout: 500 }, maxEnqueuedMessages: 1_000_000 });
// Server to client: what arrived, in order and once, by the number in "s<k>".
const seen = new Set();
let delivered = 0;
let duplicated = 0;
let reordered = 0;
let highest = 0;
socket.onMessage((m) => {
  const k = Number(m.slice(1));
  if (seen.has(k)) duplicated++;
  else {
    seen.add(k);
    delivered++;
  }
  if (k < highest) reordered++;
  highest = Math.max(highest, k);
});
let drops = 0;
let policyDropped = 0;
let state = "idle";
socket.addEventListener("state", (e) => {
  if (state === "open" && e.state !== "open") drops++;
  state = e.state;
});
socket.addEventListener("drop", () => policyDropped++);
await socket.opened();

/** Server messages kept so far: the session's `sent` in Redis (one session). */
const kept = async () => {
  const [key] = await redis.keys(`${prefix}session:*`);
  return key ? Number((await redis.hget(key, "sent")) ?? 0) : 0;
};
/** Asks the process holding the session to send `n` more (an answer cut by a kill counts nothing). */
const produce = async (n) => {
  for (const i of instances) {
    await fetch(`http://127.0.0.1:${i.port}/produce?n=${n}`)
      .then((r) => r.json())
      .catch(() => null);
  }
  return kept();
};

// The run: sends paced in batches, a drop every so often, kills in turn.
const batches = 500;
const per = Math.ceil(MESSAGES / batches);
let sentUp = 0;
let produced = 0;
let kills = 0;
for (let b = 0; b < batches; b++) {
  for (let i = 0; i < per && sentUp < MESSAGES; i++) socket.send(`c${++sentUp}`);
  if (produced < MESSAGES) produced = await produce(Math.min(per, MESSAGES - produced));
  if (b % 10 === 5) proxy.faults.drop();
  // KILLS kills, spread evenly over the run.
  if (kills < KILLS && b >= Math.round(((kills + 1) * batches) / (KILLS + 1))) {
    // Killed with what it holds; restarted on its port a moment later.
    const at = kills++ % 2;
    instances[at].child.kill("SIGKILL");
    await sleep(50);
    for (let tries = 0; ; tries++) {
      try {
        instances[at] = await instance(at, instances[at].port);
        break;
      } catch (e) {
        if (tries > 20) throw e;
        await sleep(100);
      }
    }
  }
  await until("the outbox to drain a little", () => socket.outbox.length < 5 * per, 60_000);
}
// The faults stop: everything the server side owes is produced, replay drains.
await until("every server message produced", async () => produced >= MESSAGES || ((produced = await produce(MESSAGES - produced)), produced >= MESSAGES), LONG);
await until("the client's messages acknowledged", () => socket.state === "open" && socket.resumeStats.unacked === 0 && socket.outbox.length === 0, LONG);
await until("the server's messages delivered", () => delivered >= produced, LONG);
// A step proves what it ran: each adapter of the fleet took sessions.
const took = await redis.hgetall(`${prefix}took`);
for (const kind of new Set(kinds)) if (!(Number(took[kind]) > 0)) throw new Error(`the ${kind} instances never took a session (took: ${JSON.stringify(took)})`);
const tally = await redis.hgetall(`${prefix}tally`);
const deliveredUp = await redis.scard(`${prefix}tally:numbers`);
const stats = socket.resumeStats;
const line = (direction, sent, got, dup, reord, replayed) =>
  `resume soak ${runtime} ${direction}: sent=${sent} delivered=${got} lost=${sent - got} duplicated=${dup} reordered=${reord} drops=${drops} replayed=${replayed} resyncs=${stats.resyncs} policy_dropped=${policyDropped}`;
const lines = [line("client-to-server", sentUp, deliveredUp, Number(tally.duplicated ?? 0), Number(tally.reordered ?? 0), stats.replayed)];
// Server replays as the processes reported them (a killed one's last report).
const replays = Object.entries(await redis.hgetall(`${prefix}replayed`)).reduce((n, [, v]) => n + Number(v), 0);
lines.push(line("server-to-client", produced, delivered, duplicated, reordered, replays));
for (const l of lines) {
  console.log(l);
  // Kept by the test server with the other soaks' lines, for scripts/soak-lines.mjs.
  if (process.env.STEADYSOCKET_TEST_SERVER) await fetch(`http://${process.env.STEADYSOCKET_TEST_SERVER}/control/log?line=${encodeURIComponent(l)}`, { method: "POST" });
}
console.log(`(${kills} kills and restarts, ${proxy.connections} connections through the proxy, sessions taken: ${JSON.stringify(took)})`);
socket.dispose();
await proxy.close();
for (const i of instances) i.child.kill("SIGKILL");
await redis.keys(`${prefix}*`).then((keys) => keys.length && redis.del(...keys));
redis.disconnect();
process.exit(0);
