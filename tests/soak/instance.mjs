// One server process of the two-instance soak (tests/soak/fleet.mjs): the
// Node adapter with its sessions in Redis, and an application that tallies
// the client messages it processes in Redis too, so that the tally spans
// every process and survives a killed one:
// - each client message "c<n>" is recorded once per (session, seq): a
//   message handed over again after a process died before recording it as
//   processed has the same seq and is not counted twice (the idempotency
//   key the adapter's docs describe); a second seq carrying a number
//   already seen is a duplicate, a number below the highest seen a
//   reordering;
// - GET /produce?n=N (straight to this process, not through the proxy)
//   sends N more server messages "s<k>", k the session's next sequence
//   number, if a connection holds a session here.
// `node tests/soak/instance.mjs --redis URL --prefix P [--port N]` prints
// `listening on <port>`.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import Redis from "ioredis";
import { ResumeServer } from "../../dist/server.js";
import { RedisStore } from "../../dist/server-redis.js";

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const redis = new Redis(arg("redis"));
const prefix = arg("prefix", "soak:");
// The tally (tests/soak/tally.lua, the Rust instance runs the same).
redis.defineCommand("tally", { numberOfKeys: 3, lua: readFileSync(new URL("tally.lua", import.meta.url), "utf8") });

const live = new Set();
const resume = new ResumeServer({
  store: new RedisStore(redis, { prefix }),
  sessionTtl: 60_000,
  maxResumesPerSession: 1_000_000,
  maxResumesPerIdentity: 1_000_000,
  onSession(session) {
    // Which adapter took sessions (the fleet checks each of its kinds did).
    void redis.hincrby(`${prefix}took`, "node", 1);
    live.add(session);
    session.onend = () => {
      replayed += session.stats.replayed;
      live.delete(session);
    };
    session.onmessage = async (message, _, seq) => {
      if (typeof message === "string" && message.startsWith("c")) {
        await redis.tally(`${prefix}tally:seqs`, `${prefix}tally:numbers`, `${prefix}tally`, `${session.shortId}:${seq}`, message.slice(1));
      }
    };
  },
  onError: (e) => console.error("soak instance:", e),
});

// Replays this process made, reported for the soak's line.
let replayed = 0;
setInterval(() => {
  let now = replayed;
  for (const session of live) now += session.stats.replayed;
  void redis.hset(`${prefix}replayed`, String(process.pid), now);
}, 200).unref();

const http = createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname !== "/produce") return res.writeHead(404).end();
  let sent = 0;
  for (const session of live) {
    if (!session.connected) continue;
    for (let i = Number(url.searchParams.get("n") ?? 1); i > 0; i--) {
      await session.send(`s${session.sent + 1}`).catch(() => {});
      sent++;
    }
  }
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sent }));
});
const wss = new WebSocketServer({ server: http, handleProtocols: resume.handleProtocols });
wss.on("connection", (ws, request) => resume.accept(ws, request) || ws.close(1002, "resume only"));
http.listen(Number(arg("port", 0)), "127.0.0.1", () => console.log(`listening on ${http.address().port}`));
