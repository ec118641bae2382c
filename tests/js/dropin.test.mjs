// What is tested here: the drop-in, differentially. Each scenario runs the
// same script against partysocket's ReconnectingWebSocket (what partysocket's
// `WebSocket` export is) and against ours, on the test server, and compares
// what a user observes: events in order with their fields, readyState and
// retryCount at each step and inside each handler, send()'s return values,
// what the server received, and the debug log's event names and argument
// types. The differences the README allows are mapped before comparing, and
// both traces are printed side by side for every scenario.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket as PartySocket } from "partysocket";
import { platform } from "./helpers.mjs";
import { control, sideBySide, sleep, trace, until } from "./dropin_trace.mjs";
import { ReconnectingWebSocket } from "../../dist/index.js";

// Quick retries for both; delays are compared within bounds (our jitter), so
// the scripts wait on events, not on time.
const quick = { ...platform, minReconnectionDelay: 50, maxReconnectionDelay: 100, connectionTimeout: 1000 };
// Nothing listens there (and it is not on the Fetch standard's list of bad
// ports, which steadysocket refuses for good at once).
const unreachable = "ws://127.0.0.1:2/";

/**
 * The differences the README allows, mapped away on both sides before
 * comparing (the traces are printed unmapped): partysocket's own bugs in
 * Node (a close re-dispatched through addEventListener has wasClean: true
 * and "unknown reason" for an empty reason), and an abnormal drop reported
 * as 1006 where partysocket reports a synthetic 1000. Our drop events have
 * no counterpart (theirs drops silently) and are left out.
 */
function allowed(x) {
  if (x.event !== "close") return x;
  const { wasClean, ...rest } = x;
  return { ...rest, code: x.code === 1006 ? 1000 : x.code, reason: x.reason === "unknown reason" ? "" : x.reason };
}

/** Runs `scenario` on both classes and compares, after `allowed`. */
async function differential(t, scenario) {
  const theirs = await trace(PartySocket, scenario);
  const ours = await trace(ReconnectingWebSocket, scenario);
  t.diagnostic(`\n${sideBySide(theirs.log, ours.log)}\nserver received: ${JSON.stringify(theirs.server)} | ${JSON.stringify(ours.server)}`);
  const events = (log) => log.filter((x) => x.event && x.event !== "drop").map((x) => JSON.stringify(allowed(x)));
  const steps = (log) => log.filter((x) => x.step).map((x) => JSON.stringify(x));
  assert.deepEqual(steps(ours.log), steps(theirs.log), "steps: readyState, retryCount and values at each step");
  assert.deepEqual(events(ours.log), events(theirs.log), "events in order, with their fields, readyState and retryCount");
  assert.deepEqual(ours.server, theirs.server, "what the server received");
  return { theirs, ours };
}

test("construct, send while connecting, open, send, receive, close", async (t) => {
  await differential(t, {
    name: "basic",
    args: (url) => [url, undefined, quick],
    script: async (ws, step) => {
      step("send while connecting", ws.send("early"));
      await until(() => ws.readyState === 1);
      await sleep(100);
      step("open; send", ws.send("hi"));
      await sleep(100);
      ws.close(4000, "bye");
      step("right after close()");
    },
  });
});

test("close() while connecting, the platform socket created", async (t) => {
  await differential(t, {
    name: "close-connecting",
    args: (url) => [url, undefined, quick],
    script: async (ws, step, test) => {
      await control("blackhole", test, "on=true");
      await sleep(100);
      step("connecting");
      ws.close(4001, "changed my mind");
      step("right after close()");
      await sleep(1500);
    },
  });
});

test("close() right after construction, before the platform socket exists", async (t) => {
  await differential(t, {
    name: "close-at-once",
    args: (url) => [url, undefined, quick],
    script: async (ws, step) => {
      ws.close();
      step("right after close()");
      await sleep(300);
    },
  });
});

for (const maxRetries of [0, 1, 5]) {
  test(`maxRetries ${maxRetries} against an unreachable URL`, async (t) => {
    await differential(t, {
      name: `retries-${maxRetries}`,
      args: () => [unreachable, undefined, { ...quick, maxRetries }],
      script: async (ws, step) => {
        await sleep(1500);
        step("given up");
      },
    });
  });
}

test("maxEnqueuedMessages: sends beyond it are refused quietly, never thrown", async (t) => {
  await differential(t, {
    name: "enqueued",
    args: (url) => [url, undefined, { ...quick, maxEnqueuedMessages: 2 }],
    script: async (ws, step) => {
      step("1", ws.send("one"));
      step("2", ws.send("two"));
      step("3", ws.send("three"));
      await until(() => ws.readyState === 1);
      await sleep(200);
    },
  });
});

test("startClosed: closed until reconnect(), the queue flushed on open", async (t) => {
  await differential(t, {
    name: "start-closed",
    args: (url) => [url, undefined, { ...quick, startClosed: true }],
    script: async (ws, step) => {
      await sleep(100);
      step("idle");
      step("send", ws.send("queued"));
      ws.reconnect();
      step("after reconnect()");
      await until(() => ws.readyState === 1);
      await sleep(200);
      step("open");
    },
  });
});

for (const code of [1000, 1001, 1008, 4000]) {
  test(`a server close with ${code} reconnects`, async (t) => {
    await differential(t, {
      name: `server-close-${code}`,
      args: (url) => [url, undefined, quick],
      script: async (ws, step, test) => {
        await until(() => ws.readyState === 1);
        await control("close", test, `code=${code}&reason=bye`);
        await sleep(100);
        step("after the close");
        await until(() => ws.readyState === 1, 3000);
        step("open again");
      },
    });
  });
}

test("maxReconnectionDelay alone (below the default minimum) is accepted", async (t) => {
  await differential(t, {
    name: "max-delay-alone",
    args: (url) => [url, undefined, { ...platform, maxReconnectionDelay: 200 }],
    script: async (ws, step) => {
      await until(() => ws.readyState === 1);
      step("open");
    },
  });
});

test("partysocket's own options (a subclass passes them to super) are accepted", async (t) => {
  class Sub extends ReconnectingWebSocket {}
  class TheirSub extends PartySocket {}
  const scenario = {
    name: "subclass",
    args: (url) => [url, undefined, { ...quick, party: "main", room: "lobby", prefix: "parties", query: { a: "1" }, basePath: "x" }],
    script: async (ws, step) => {
      await until(() => ws.readyState === 1);
      step("open");
    },
  };
  const theirs = await trace(TheirSub, scenario);
  const ours = await trace(Sub, scenario);
  t.diagnostic(`\n${sideBySide(theirs.log, ours.log)}`);
  assert.deepEqual(ours.log.map(allowed), theirs.log.map(allowed));
});

test("protocols: null, and a provider function (sync and async)", async (t) => {
  for (const [name, protocols] of [
    ["null", null],
    ["sync", () => ["chat"]],
    ["async", async () => "chat"],
  ]) {
    await differential(t, {
      name: `protocols-${name}`,
      args: (url) => [url, protocols, quick],
      script: async (ws, step) => {
        await until(() => ws.readyState === 1);
        step("open", ws.protocol);
      },
    });
  }
});

test("debug: the same events through debugLogger, with arguments of the same types", async (t) => {
  const logOf = async (Class) => {
    const lines = [];
    const debugLogger = (...args) => lines.push([args[0], args[1], ...args.slice(2).map((a) => typeof a)]);
    await trace(Class, {
      name: "debug",
      args: (url) => [url, undefined, { ...quick, debug: true, debugLogger }],
      script: async (ws) => {
        await until(() => ws.readyState === 1);
        ws.send("hi");
        await sleep(100);
        ws.close();
      },
    });
    return lines;
  };
  const theirs = await logOf(PartySocket);
  const ours = await logOf(ReconnectingWebSocket);
  t.diagnostic(`\n${sideBySide(theirs, ours)}`);
  const names = (lines) => lines.filter(([, e]) => ["connect", "open event", "send", "close event", "message event"].includes(e));
  assert.deepEqual(names(ours), names(theirs));
  assert.ok(ours.every(([prefix]) => prefix === "RWS>"));
});

test("send(Blob): queued while connecting and sent when open, in order with the rest", async (t) => {
  await differential(t, {
    name: "blob",
    args: (url) => [url, undefined, quick],
    script: async (ws, step) => {
      ws.binaryType = "arraybuffer";
      step("queued", ws.send(new Blob(["early blob"])));
      step("text after it", ws.send("after the blob"));
      await until(() => ws.readyState === 1);
      await sleep(100);
      step("open", ws.send(new Blob([new Uint8Array([1, 2, 3])])));
      step("text", ws.send("last"));
      await sleep(200);
    },
  });
});
