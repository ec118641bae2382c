// The conformance application (docs/PROTOCOL.md, "Conformance") on the Node
// adapter, steadysocket/server over the ws package, with the conformance
// settings; with `--redis URL`, its sessions in Redis (RedisStore).
// `node tests/conformance/node-app.mjs [--redis URL]` prints
// `listening on <port>` and serves ws://127.0.0.1:<port>/ until killed.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { ResumeServer } from "../../dist/server.js";
import { RedisStore } from "../../dist/server-redis.js";
import Redis from "ioredis";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startNodeApp(port = 0, redisUrl = null) {
  const redis = redisUrl ? new Redis(redisUrl) : null;
  const resume = new ResumeServer({
    ...(redis && { store: new RedisStore(redis, { prefix: `conformance:${process.pid}:` }) }),
    sessionTtl: 1000,
    maxReplayMessages: 8,
    maxResumesPerSession: 20,
    helloTimeout: 1000,
    authorize: (request) => new URL(request.url, "http://x").searchParams.get("user") || null,
    onSession(session) {
      let produced = 0;
      session.onmessage = async (message) => {
        if (typeof message !== "string") return session.send(message);
        const [command, arg = ""] = message.split(/ (.*)/s);
        if (command === "echo") return session.send(`echo:${arg}`);
        if (command === "produce") for (let n = Number(arg); n > 0; n--) await session.send(`p${++produced}`);
        if (command === "slow") await sleep(Number(arg));
      };
    },
    onError: (e) => console.error("conformance app:", e),
  });
  const http = createServer();
  const wss = new WebSocketServer({ server: http, handleProtocols: resume.handleProtocols });
  wss.on("connection", (ws, request) => {
    if (!resume.accept(ws, request)) ws.close(1002, "the conformance app speaks the resume protocol only");
  });
  await new Promise((resolve) => http.listen(port, "127.0.0.1", resolve));
  return { port: http.address().port, close: () => new Promise((r) => (wss.clients.forEach((c) => c.terminate()), redis?.disconnect(), http.close(() => r()))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf("--redis");
  const app = await startNodeApp(0, at > 0 ? process.argv[at + 1] : null);
  console.log(`listening on ${app.port}`);
}
