// What is tested here: ReconnectingWebSocket, the drop-in for
// reconnecting-websocket / partysocket, against the behaviours their
// documentation promises: events through on* and addEventListener,
// readyState and its constants, maxRetries (and reconnect() after it),
// startClosed, messages enqueued while connecting, reconnect(), url,
// binaryType, and what is ours alone: a drop event for each message the
// queue refuses. The differential suite (dropin.test.mjs) compares the same
// scripts against partysocket itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { control, next, platform, report, scope, sleep, wsUrl } from "./helpers.mjs";
import { ReconnectingWebSocket } from "../../dist/index.js";

const quick = { ...platform, minReconnectionDelay: 50, maxReconnectionDelay: 200, reconnectionDelayGrowFactor: 1.3 };

test("constants and readyState follow the WebSocket's", async () => {
  assert.deepEqual(
    [ReconnectingWebSocket.CONNECTING, ReconnectingWebSocket.OPEN, ReconnectingWebSocket.CLOSING, ReconnectingWebSocket.CLOSED],
    [0, 1, 2, 3],
  );
  const t = scope("rws-ready");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), undefined, quick);
  assert.equal(ws.OPEN, 1);
  assert.equal(ws.readyState, ws.CONNECTING);
  await next(ws, "open");
  assert.equal(ws.readyState, ws.OPEN);
  assert.equal(ws.url, wsUrl("/echo", t));
  const dropped = next(ws, "close");
  await control("drop", t);
  assert.equal((await dropped).code, 1006);
  assert.equal(ws.readyState, ws.CLOSED, "waiting to reconnect reads the closed socket's state, as theirs");
  await next(ws, "open");
  const closed = next(ws, "close");
  ws.close();
  assert.equal(ws.readyState, ws.CLOSED, "CLOSED at once, as theirs");
  await closed;
  ws.dispose();
});

test("on* handlers and listeners both see open, message and close", async () => {
  const t = scope("rws-events");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), [], quick);
  const seen = [];
  ws.onopen = () => seen.push("onopen");
  ws.onmessage = (e) => seen.push(`onmessage:${e.data}`);
  ws.onclose = (e) => seen.push(`onclose:${e.code}`);
  ws.addEventListener("open", () => seen.push("open"));
  ws.addEventListener("message", (e) => seen.push(`message:${e.data}`));
  await next(ws, "open");
  ws.send("hi");
  await next(ws, "message");
  ws.close(4000, "done");
  // Dispatched inside close(), as theirs.
  assert.deepEqual(seen, ["onopen", "open", "onmessage:hi", "message:hi", "onclose:4000"]);
  ws.dispose();
});

test("messages sent while connecting are enqueued and sent in order on open", async () => {
  const t = scope("rws-queue");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), undefined, quick);
  ws.send("one");
  ws.send("two");
  assert.ok(ws.bufferedAmount >= 6, "queued bytes count in bufferedAmount");
  const got = [];
  await new Promise((resolve) =>
    ws.addEventListener("message", (e) => {
      got.push(e.data);
      if (got.length === 2) resolve();
    }),
  );
  assert.deepEqual(got, ["one", "two"]);
  ws.dispose();
});

test("maxRetries stops retrying, and reconnect() works after it", async () => {
  const t = scope("rws-maxretries");
  await control("refuse", t, "ms=60000");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), undefined, { ...quick, maxRetries: 2 });
  const closes = [];
  ws.addEventListener("close", () => closes.push(ws.retryCount));
  // Every attempt ends in a close (the retry it is followed by already
  // counted, as theirs); then nothing more.
  while (closes.length < 3) await sleep(20);
  await sleep(500);
  assert.deepEqual(closes, [1, 2, 2]);
  assert.equal(ws.retryCount, 2);
  assert.equal((await report("stats", t)).endpoints["/echo"].refused, 3, "1 attempt + 2 retries");
  await control("reset", t);
  ws.reconnect();
  await next(ws, "open");
  assert.equal(ws.retryCount, 0);
  ws.dispose();
});

test("startClosed waits for reconnect()", async () => {
  const t = scope("rws-startclosed");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), undefined, { ...quick, startClosed: true });
  await sleep(300);
  assert.equal(ws.readyState, ws.CLOSED);
  assert.equal((await report("stats", t)).endpoints["/echo"], undefined, "connected while startClosed");
  ws.reconnect();
  await next(ws, "open");
  ws.dispose();
});

test("reconnect() replaces an open socket", async () => {
  const t = scope("rws-reconnect");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), undefined, quick);
  await next(ws, "open");
  ws.reconnect();
  await next(ws, "open");
  await sleep(100);
  const stats = (await report("stats", t)).endpoints["/echo"];
  assert.equal(stats.accepted, 2);
  assert.equal(stats.live, 1);
  ws.dispose();
});

test("binaryType picks ArrayBuffer or Blob; the URL function is asked per attempt", async () => {
  const t = scope("rws-binary");
  let asked = 0;
  const ws = new ReconnectingWebSocket(() => wsUrl("/echo", t, `&n=${++asked}`), undefined, quick);
  await next(ws, "open");
  assert.equal(ws.binaryType, "blob");
  ws.send(new Uint8Array([1, 2, 3]));
  const blob = (await next(ws, "message")).data;
  assert.ok(blob instanceof Blob);
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), new Uint8Array([1, 2, 3]));
  ws.binaryType = "arraybuffer";
  ws.send(new Uint8Array([4]));
  assert.ok((await next(ws, "message")).data instanceof ArrayBuffer);
  const reopened = next(ws, "open");
  await control("drop", t);
  await reopened;
  assert.equal(asked, 2);
  assert.match(ws.url, /n=2$/);
  ws.dispose();
});

test("where theirs drops a message silently, a drop event says so; a send after close() waits for reconnect()", async () => {
  const t = scope("rws-refuse");
  const ws = new ReconnectingWebSocket(wsUrl("/echo", t), undefined, { ...quick, maxEnqueuedMessages: 1 });
  const drops = [];
  ws.addEventListener("drop", (e) => drops.push([e.data, e.reason]));
  assert.equal(ws.send("fits"), false, "queued");
  assert.equal(ws.send("overflows"), false, "dropped, never thrown");
  assert.deepEqual(drops, [["overflows", "overflow"]]);
  await next(ws, "open");
  await next(ws, "message");
  ws.close();
  assert.equal(ws.send("after close"), false);
  assert.equal(ws.shouldReconnect, false);
  assert.deepEqual(ws.drainQueuedMessages(), ["after close"], "it waits, and can be taken back");
  assert.equal(ws.send("after close, again"), false);
  ws.reconnect();
  assert.equal(ws.shouldReconnect, true);
  assert.equal((await next(ws, "message")).data, "after close, again", "delivered after reconnect()");
  // Options of theirs, or of partysocket's PartySocket, never throw.
  new ReconnectingWebSocket("ws://x", [], { ...platform, maxRetry: 1, startClosed: true, room: "r" }).dispose();
  ws.dispose();
});

test("the defaults are partysocket's: 3 s to 10 s growing by 1.3, 4 s per attempt, no retry or queue limit", () => {
  const ws = new ReconnectingWebSocket("ws://127.0.0.1:9/", [], { ...platform, startClosed: true });
  const c = ws.configSnapshot();
  assert.equal(c.initialDelay, 3000);
  assert.equal(c.maxDelay, 10000);
  assert.equal(c.delayGrowFactor, 1.3);
  assert.equal(c.connectionTimeout, 4000);
  assert.equal(c.minUptime, 5000);
  assert.equal(c.maxRetries, Infinity);
  assert.ok(c.maxEnqueuedMessages >= 2 ** 32 - 1, "no count limit (the largest count wasm32 holds)");
  assert.equal(c.overflow, "drop-newest");
  ws.dispose();
  // A default minimum never makes a given maximum invalid: it is capped.
  const capped = new ReconnectingWebSocket("ws://127.0.0.1:9/", [], { ...platform, startClosed: true, maxReconnectionDelay: 200 });
  assert.equal(capped.configSnapshot().initialDelay, 200);
  capped.dispose();
});
