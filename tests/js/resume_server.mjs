// A resume server for the tests and the soak: Node's http server, the ws
// package and steadysocket/server's ResumeServer, with faults of its own
// (drop every connection, black-hole them, refuse new ones) and an
// application that records what each session received and sends on request.
//
// In-process: `await startResumeServer()` → { url, faults, sessions, resume, close }.
// As a process: `node tests/js/resume_server.mjs` prints `listening on <port>`
// and takes GET /control/{drop,blackhole?on=0|1,refuse?on=0|1,produce?n=N,stats}.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { ResumeServer } from "../../dist/server.js";

/**
 * Starts the server. `options` go to ResumeServer; `app(session)` may wire
 * a session its own way (default: record texts, answer "echo:<text>" for
 * texts starting with "echo ").
 */
export async function startResumeServer(options = {}, app) {
  // plain: a server that does not speak the protocol and picks the
  // client's first protocol of its own.
  const { plain = false, ...resumeOptions } = options;
  let refusing = false;
  let blackholed = false;
  const links = new Set();
  /** Per session: what its application received, in order. */
  const sessions = [];
  const resume = new ResumeServer({
    ...resumeOptions,
    onSession(session) {
      const record = { session, received: [], produced: 0 };
      sessions.push(record);
      session.onmessage = (message) => {
        record.received.push(message);
        if (typeof message === "string" && message.startsWith("echo ")) return session.send(`echo:${message.slice(5)}`);
      };
      app?.(session, record);
      options.onSession?.(session);
    },
  });
  const http = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const reply = (body) => {
      res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(JSON.stringify(body ?? {}));
    };
    switch (url.pathname) {
      case "/control/drop":
        faults.drop();
        return reply();
      case "/control/blackhole":
        faults.blackhole(url.searchParams.get("on") !== "0");
        return reply();
      case "/control/refuse":
        faults.refuse(url.searchParams.get("on") !== "0");
        return reply();
      case "/control/produce": {
        const n = Number(url.searchParams.get("n") ?? 1);
        const record = sessions.at(-1);
        if (!record) return reply({ produced: 0 });
        const sends = [];
        for (let i = 0; i < n; i++) sends.push(record.session.send(`s${++record.produced}`));
        return Promise.all(sends).then(() => reply({ produced: record.produced }));
      }
      case "/control/stats":
        return reply(stats());
      default:
        res.writeHead(404);
        res.end();
    }
  });
  const pickPlain = (offered) => [...offered].find((p) => !p.startsWith("steadysocket.resume")) ?? false;
  const wss = new WebSocketServer({ noServer: true, handleProtocols: plain ? pickPlain : resume.handleProtocols });
  http.on("upgrade", (req, socket, head) => {
    if (refusing) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      links.add(ws);
      ws.on("close", () => links.delete(ws));
      if (blackholed) hole(ws);
      // A connection that did not pick the protocol: echo, plain.
      if (!resume.accept(faulty(ws), req)) ws.on("message", (data, binary) => ws.send(binary ? data : String(data)));
    });
  });
  // Sends to a black-holed connection vanish; it reads nothing more.
  const holes = new WeakSet();
  const hole = (ws) => {
    holes.add(ws);
    ws._socket?.pause();
  };
  const faulty = (ws) =>
    new Proxy(ws, {
      get(target, key) {
        if (key === "send") return (data, options, cb) => (holes.has(target) ? cb?.() : target.send(data, options, cb));
        const v = Reflect.get(target, key, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  const faults = {
    drop() {
      for (const ws of links) ws.terminate();
    },
    blackhole(on) {
      blackholed = on;
      if (on) for (const ws of links) hole(ws);
      // Connections black-holed stay so; the client gives up on them.
    },
    refuse(on) {
      refusing = on;
    },
  };
  const stats = () => ({
    sessions: sessions.map((r) => ({ received: r.received.length, produced: r.produced, unacked: r.session.unacked, ...r.session.stats })),
    replayBytes: resume.replayBytes,
  });
  await new Promise((resolve) => http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", resolve));
  const { port } = http.address();
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    faults,
    sessions,
    resume,
    stats,
    close() {
      for (const ws of links) ws.terminate();
      wss.close();
      http.closeAllConnections?.();
      return new Promise((resolve) => http.close(() => resolve()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startResumeServer({ maxResumesPerSession: 100_000, maxResumesPerIdentity: 100_000 });
  console.log(`listening on ${server.port}`);
}
