// What is tested here: importing the package has no side effects. In a fresh
// Node process with no WebSocket global (server-side rendering), the import
// starts no timer, draws no random number, adds no listener and looks up no
// WebSocket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

test("import has no side effects and works without a WebSocket global", () => {
  const probe = `
    delete globalThis.WebSocket;
    const calls = [];
    const spy = (name, obj, key) => { const f = obj[key]; obj[key] = function (...a) { calls.push(name); return f.apply(this, a); }; };
    spy("setTimeout", globalThis, "setTimeout");
    spy("setInterval", globalThis, "setInterval");
    spy("queueMicrotask", globalThis, "queueMicrotask");
    spy("Math.random", Math, "random");
    spy("addEventListener", EventTarget.prototype, "addEventListener");
    Object.defineProperty(globalThis, "WebSocket", { get() { calls.push("WebSocket lookup"); }, configurable: true });
    const mod = await import(${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)});
    console.log(JSON.stringify({ calls, exports: Object.keys(mod).sort() }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" }));
  assert.deepEqual(out.calls, []);
  assert.deepEqual(out.exports, [
    "ReconnectingWebSocket",
    "SteadyEvent",
    "SteadySocket",
    "SteadySocketError",
    "default",
    "diagnostics",
    "init",
    "initResume",
    "initSync",
    "version",
  ]);
});

test("require() works too (CommonJS apps, as with partysocket): no entry uses top-level await", () => {
  // The package resolves itself by name from its own folder.
  const root = new URL("../..", import.meta.url).pathname;
  const probe = `const s = require("steadysocket"); console.log(JSON.stringify([typeof s.SteadySocket, typeof s.ReconnectingWebSocket, typeof s.initSync, typeof require("steadysocket/msgpack").msgpack]));`;
  const out = execFileSync(process.execPath, ["-e", probe], { encoding: "utf8", cwd: root });
  assert.deepEqual(JSON.parse(out), ["function", "function", "function", "object"]);
});
