// What is tested here: a bug in the JS layer is never swallowed. An exception
// that escapes the JS dispatcher (here forced by a subclass whose
// dispatchEvent throws) is reported through reportError and counted in
// diagnostics().dropped, which every other suite asserts is 0 at its end.
// It runs in a process of its own, so that its count stays its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

test("an exception escaping the JS dispatcher is reported and counted, not swallowed", () => {
  const index = new URL("../../dist/index.js", import.meta.url).href;
  const wasmPath = new URL("../../pkg/steadysocket_bg.wasm", import.meta.url).pathname;
  const probe = `
    import { readFileSync } from "node:fs";
    const { initSync, SteadySocket, diagnostics } = await import(${JSON.stringify(index)});
    initSync({ module: readFileSync(${JSON.stringify(wasmPath)}) });
    const reported = [];
    globalThis.reportError = (e) => reported.push(e.message);
    class Broken extends SteadySocket {
      dispatchEvent() {
        throw new Error("a bug in the JS layer");
      }
    }
    const before = diagnostics().dropped;
    // Port 9 is refused by the engine at once: events, and no network.
    const socket = new Broken("ws://127.0.0.1:9/", { startClosed: true, WebSocket: globalThis.WebSocket ?? class Unused {} });
    socket.reconnect();
    console.log(JSON.stringify({ reported, dropped: diagnostics().dropped - before, before }));
    socket.dispose();
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" }));
  assert.equal(out.before, 0);
  assert.ok(out.reported.includes("a bug in the JS layer"), JSON.stringify(out));
  assert.ok(out.dropped >= 1, JSON.stringify(out));
});
