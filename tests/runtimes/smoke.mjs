// The edge smoke test, shared by every runtime: connect, a typed round trip,
// a server drop, a reconnect, and a message after it, on both receive paths:
// the direct one (no heartbeat: frames go from the socket to the JS API) and
// the engine's (an exact-pong heartbeat: every frame goes through wasm). Each
// run proves which path it took. Then the resume protocol: messages sent into
// a black hole and one dropped link later arrive once and in order, and
// sendAcked settles at the server's acknowledgement. Returns the results; the
// callers print them.
export async function smoke({ SteadySocket, diagnostics, server, scope }) {
  const results = [
    ...(await smokeOne({ SteadySocket, server, scope: `${scope}-direct`, path: "direct path" })),
    ...(await smokeOne({ SteadySocket, server, scope: `${scope}-engine`, path: "engine path" })),
    ...(await smokeResume({ SteadySocket, server, scope: `${scope}-resume` })),
  ];
  const { dropped } = diagnostics();
  results.push({ name: "no work dropped inside the library", ok: dropped === 0, detail: `${dropped} dropped` });
  return results;
}

async function smokeOne({ SteadySocket, server, scope, path }) {
  const results = [];
  const check = (name, ok, detail = "") => results.push({ name: `${path}: ${name}`, ok: Boolean(ok), detail });
  const control = async (action, query = "") => {
    const res = await fetch(`http://${server}/control/${action}?test=${scope}&${query}`, { method: "POST" });
    return res.json();
  };
  const next = (socket, type, ms, pick = () => true) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
      socket.addEventListener(type, function on(e) {
        if (!pick(e)) return;
        clearTimeout(timer);
        socket.removeEventListener(type, on);
        resolve(e);
      });
    });

  // The echo server answers the ping with itself: an exact pong, which only
  // the engine sees (it is swallowed), and which it reports as a heartbeat.
  const ping = JSON.stringify({ type: "ping" });
  const heartbeat = path === "engine path" ? { interval: 100, timeout: 2000, ping, pong: ping } : undefined;
  const socket = new SteadySocket(`ws://${server}/echo?test=${scope}`, { initialDelay: 50, maxDelay: 300, heartbeat });
  let heartbeats = 0;
  socket.addEventListener("heartbeat", () => heartbeats++);
  try {
    await socket.opened();
    check("connects", socket.state === "open");
    socket.send({ hello: "edge", n: 1 });
    const echo = await next(socket, "message", 5000);
    check("typed round trip", echo.data.hello === "edge" && echo.data.n === 1, JSON.stringify(echo.data));
    const down = next(socket, "close", 5000);
    await control("drop");
    const close = await down;
    check("sees the server drop", close.code === 1006, `code ${close.code}`);
    socket.send({ queued: true });
    const back = await next(socket, "message", 10000);
    check("reconnects and delivers the queued message", back.data.queued === true, JSON.stringify(back.data));
    if (heartbeat) {
      if (heartbeats === 0) await next(socket, "heartbeat", 2000);
      check("the engine saw the frames (heartbeats answered)", heartbeats > 0, `${heartbeats} heartbeats`);
    } else {
      check("no frame went through the engine (no heartbeat events)", heartbeats === 0, `${heartbeats} heartbeats`);
    }
  } catch (e) {
    check("no exception", false, String(e?.stack ?? e));
  } finally {
    socket.dispose();
  }
  return results;
}

async function smokeResume({ SteadySocket, server, scope }) {
  const results = [];
  const check = (name, ok, detail = "") => results.push({ name: `resume: ${name}`, ok: Boolean(ok), detail });
  const control = async (action, query = "") => (await fetch(`http://${server}/control/${action}?test=${scope}&${query}`, { method: "POST" })).json();
  const report = async (name) => (await fetch(`http://${server}/control/${name}?test=${scope}`)).json();
  const until = async (what, test, ms = 10000) => {
    for (const end = Date.now() + ms; !(await test()); ) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const socket = new SteadySocket(`ws://${server}/echo?test=${scope}&echo=0`, {
    codec: "text",
    resume: true,
    initialDelay: 20,
    maxDelay: 200,
    heartbeat: { interval: 200, timeout: 200 },
  });
  try {
    await socket.opened();
    check("the session is live", socket.resumeStats?.live === true, JSON.stringify(socket.resumeStats));
    await socket.sendAcked("c1");
    const first = await report("resume");
    check("sendAcked resolves once the server has it", first[0]?.received === 1, JSON.stringify(first));
    // Into a black hole: lost in flight, until the heartbeat drops the link.
    await control("blackhole", "on=true");
    for (let i = 2; i <= 50; i++) socket.send(`c${i}`);
    await until("the black hole found", () => socket.state !== "open");
    await control("drop");
    await control("blackhole", "on=false");
    await until("every message at the server", async () => (await report("resume"))[0]?.received >= 50);
    const [stats] = await report("resume");
    check("every message once and in order", stats.received === 50 && stats.duplicated === 0 && stats.reordered === 0 && stats.highest === 50, JSON.stringify(stats));
    check("the replay path ran", socket.resumeStats.replayed > 0 && socket.resumeStats.resumes >= 1, JSON.stringify(socket.resumeStats));
  } catch (e) {
    check("no exception", false, String(e?.stack ?? e));
  } finally {
    socket.dispose();
  }
  return results;
}

/** Prints results in node:test's closing style; returns the failure count. */
export function report(runtime, results) {
  for (const r of results) console.log(`${r.ok ? "ok" : "not ok"} - ${runtime}: ${r.name}${r.detail ? ` (${r.detail})` : ""}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`# pass ${results.length - failed}`);
  console.log(`# fail ${failed}`);
  return failed;
}
