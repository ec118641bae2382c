// Shared by the JS API tests: loads the package from this checkout, knows the
// test server, and (STEADYSOCKET_INJECT_WS=1, for Node 20) injects the `ws`
// package's WebSocket.
import { readFileSync } from "node:fs";
import { after } from "node:test";
import assert from "node:assert/strict";
import { diagnostics } from "../../dist/index.js";
import { initSync as glueInitSync } from "../../pkg/steadysocket.js";

export { control, report, scope, sleep, wsUrl } from "./server.mjs";
export { until } from "./wait.mjs";

/**
 * The wasm module's exports (its memory, for growth measured from outside),
 * read from wasm-bindgen's glue once a socket has loaded the module: the
 * tests themselves never initialise the package (it needs no init step).
 */
export const wasm = {
  get memory() {
    return glueInitSync({ module: readFileSync(new URL("../../pkg/steadysocket_bg.wasm", import.meta.url)) }).memory;
  },
};

// Every suite ends with no work dropped inside the library (a bug if not 0).
after(() => assert.equal(diagnostics().dropped, 0, "steadysocket dropped work during this suite"));

/** Options every test socket gets: `ws` on Node 20. */
export const platform = process.env.STEADYSOCKET_INJECT_WS ? { WebSocket: (await import("ws")).WebSocket } : {};

/**
 * A real WebSocket whose send buffer never drains, as over a stalled link:
 * `bufferedAmount` counts every byte handed to send() (UTF-8 for text).
 */
export class StalledWebSocket extends (platform.WebSocket ?? globalThis.WebSocket) {
  stalled = 0;
  send(data) {
    this.stalled += typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    super.send(data);
  }
  get bufferedAmount() {
    return this.stalled;
  }
}

/** The next event of `type` (matching `pick`), or a rejection after `ms`. */
export function next(target, type, ms = 5000, pick = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const on = (event) => {
      if (!pick(event)) return;
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(event);
    };
    target.addEventListener(type, on);
  });
}

/** Quick retries for tests. */
export const quick = { initialDelay: 50, maxDelay: 300 };

/** The next `n` decoded messages (through onMessage), or a rejection after `ms`. */
export function messages(socket, n, ms = 5000) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${got.length} of ${n} messages within ${ms} ms`));
    }, ms);
    const stop = socket.onMessage((m) => {
      got.push(m);
      if (got.length < n) return;
      clearTimeout(timer);
      stop();
      resolve(got);
    });
  });
}
