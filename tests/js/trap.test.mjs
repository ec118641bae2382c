// What is tested here: a trap in the wasm module (a Rust panic, an
// allocation failure) is fatal for every socket of the page, loudly. The
// trap is one only the tests can arm (pkg's __armTrapForTests: the next
// send, close or reconnect traps). It runs in a process of its own: the
// module is unusable afterwards.
// - every socket, open or waiting, gets a fatal error event and closes for
//   good, and its platform socket is closed (the server sees it go);
// - pending opened() rejects, iterators end;
// - every later call throws a SteadySocketError "unusable", and new sockets
//   cannot be made (the constructor throws it too).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { platform, report, scope, sleep } from "./helpers.mjs";

test("a trap closes every socket for good with a fatal error, and every later call says the module is unusable", async () => {
  const server = process.env.STEADYSOCKET_TEST_SERVER;
  const test = scope("trap");
  const pkg = new URL("../../pkg/steadysocket.js", import.meta.url).href;
  const index = new URL("../../dist/index.js", import.meta.url).href;
  const wasmPath = new URL("../../pkg/steadysocket_bg.wasm", import.meta.url).pathname;
  const probe = `
    import { readFileSync } from "node:fs";
    const { __armTrapForTests } = await import(${JSON.stringify(pkg)});
    const { initSync, SteadySocket, ReconnectingWebSocket } = await import(${JSON.stringify(index)});
    initSync({ module: readFileSync(${JSON.stringify(wasmPath)}) });
    const WebSocket = ${platform.WebSocket ? '(await import("ws")).WebSocket' : "undefined"};
    const url = "ws://${server}/echo?test=${test}";
    const out = { errors: [], states: [], rwsEvents: [] };
    const a = new SteadySocket(url, { WebSocket, initialDelay: 50, maxDelay: 100 });
    const b = new SteadySocket(url, { WebSocket, initialDelay: 50, maxDelay: 100 });
    const rws = new ReconnectingWebSocket(url, [], { WebSocket });
    const rwsOpen = new Promise((r) => rws.addEventListener("open", r, { once: true }));
    for (const [name, s] of [["a", a], ["b", b]]) {
      s.addEventListener("error", (e) => out.errors.push([name, e.fatal === true, e.message]));
      s.addEventListener("state", (e) => out.states.push([name, e.state]));
    }
    for (const type of ["error", "close"]) rws.addEventListener(type, (e) => out.rwsEvents.push([type, e.code ?? null]));
    await a.opened();
    await b.opened();
    await rwsOpen;
    const iterating = (async () => { for await (const _ of b); return "ended"; })();
    __armTrapForTests();
    try { a.reconnect(); out.first = "no throw"; } catch (e) { out.first = e.code; }
    out.iterator = await iterating;
    out.opened = await b.opened().then(() => "resolved", (e) => e.code);
    const codes = [];
    for (const f of [() => a.send({ x: 1 }), () => b.send({ x: 1 }), () => b.reconnect(), () => rws.send("x")]) {
      try { f(); codes.push("no throw"); } catch (e) { codes.push(e.code); }
    }
    out.codes = codes;
    out.states2 = [a.state, b.state, rws.readyState];
    try { new SteadySocket(url, { WebSocket }); out.fresh = "constructed"; } catch (e) { out.fresh = e.code; }
    await new Promise((r) => setTimeout(r, 300));
    console.log(JSON.stringify(out));
    process.exit(0);
  `;
  const raw = execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8", env: process.env });
  const out = JSON.parse(raw.trim().split("\n").pop());
  assert.equal(out.first, "unusable", JSON.stringify(out));
  for (const name of ["a", "b"]) {
    assert.ok(out.errors.some(([n, fatal]) => n === name && fatal), `no fatal error for ${name}: ${JSON.stringify(out.errors)}`);
    assert.equal(out.states.filter(([n, s]) => n === name && s === "closed").length, 1, `${name}: ${JSON.stringify(out.states)}`);
  }
  assert.deepEqual(out.rwsEvents, [["error", null], ["close", 1006]]);
  assert.equal(out.iterator, "ended");
  assert.equal(out.opened, "unusable");
  assert.deepEqual(out.codes, ["unusable", "unusable", "unusable", "unusable"]);
  assert.deepEqual(out.states2, ["closed", "closed", 3]);
  assert.equal(out.fresh, "unusable");
  // The platform sockets were closed: the server sees none left.
  let live = 1;
  for (let i = 0; i < 100 && live > 0; i++) {
    await sleep(20);
    live = (await report("stats", test)).endpoints["/echo"]?.live ?? 0;
  }
  assert.equal(live, 0);
});
