// What is tested here, with node:test against the test server (Node 22, and
// Node 20 with `ws` injected): the SteadySocket JS API.
// - typed JSON round trips, text and binary codecs, MessagePack;
// - a drop reconnects and the outbox is delivered in order;
// - the close-code policy: 1000 and 1008 stop, 4xxx follows shouldReconnect;
// - for await iterates messages and ends on a final close;
// - decode errors are events and the stream goes on;
// - invalid options, URLs and sends give clear errors;
// - nothing happens at import; the URL function is asked per attempt;
// - text is measured in the UTF-8 bytes the socket sends (lone surrogates too).
import { test } from "node:test";
import assert from "node:assert/strict";
import { control, messages, next, platform, quick, report, scope, sleep, wsUrl } from "./helpers.mjs";
import { readFileSync } from "node:fs";
import { ReconnectingWebSocket, SteadySocket, SteadySocketError } from "../../dist/index.js";
import { initMsgpackSync, msgpack } from "../../dist/msgpack.js";
import { frameBytes } from "../../dist/frames.js";

initMsgpackSync({ module: readFileSync(new URL("../../pkg/msgpack/steadysocket_msgpack_bg.wasm", import.meta.url)) });

const open = (path, test, options = {}) => new SteadySocket(wsUrl(path, test), { ...platform, ...quick, ...options });

test("typed JSON messages round-trip", async () => {
  const socket = open("/echo", scope("js-json"));
  await socket.opened();
  const note = { n: 7, text: "héllo ✓", nested: { list: [1, 2, 3] } };
  assert.equal(socket.send(note), "sent");
  const { data } = await next(socket, "message");
  assert.deepEqual(data, note);
  socket.dispose();
});

test("onMessage calls back with every message until unsubscribed; a throwing callback stops nothing", async () => {
  const socket = open("/echo", scope("js-onmessage"));
  await socket.opened();
  const seen = [];
  socket.onMessage(() => {
    throw new Error("a bad subscriber");
  });
  const stop = socket.onMessage((m) => seen.push(m.n));
  const errors = [];
  const platformReport = globalThis.reportError;
  globalThis.reportError = (e) => errors.push(e.message);
  socket.send({ n: 1 });
  await next(socket, "message");
  stop();
  socket.send({ n: 2 });
  await next(socket, "message");
  globalThis.reportError = platformReport;
  assert.deepEqual(seen, [1]);
  assert.deepEqual(errors, ["a bad subscriber", "a bad subscriber"], "a throwing callback is reported, not swallowed");
  assert.throws(() => socket.onMessage("nope"), TypeError);
  socket.dispose();
});

test("text, binary and msgpack codecs round-trip", async () => {
  const text = open("/echo", scope("js-text"), { codec: "text" });
  await text.opened();
  text.send("plain");
  assert.equal((await next(text, "message")).data, "plain");
  assert.throws(() => text.send({ not: "text" }), (e) => e instanceof SteadySocketError && e.code === "encode");
  text.dispose();

  const binary = open("/echo", scope("js-binary"), { codec: "binary" });
  await binary.opened();
  binary.send(new Uint8Array([0, 1, 254, 255]));
  assert.deepEqual(new Uint8Array((await next(binary, "message")).data), new Uint8Array([0, 1, 254, 255]));
  binary.dispose();

  assert.throws(() => open("/echo", scope("js-msgpack-name"), { codec: "msgpack" }), /import \{ msgpack \} from "steadysocket\/msgpack"/);
  const packed = open("/echo", scope("js-msgpack"), { codec: msgpack });
  await packed.opened();
  packed.send({ seq: 3, __proto__: { injected: true }, list: ["a"] });
  const back = (await next(packed, "message")).data;
  assert.deepEqual({ ...back }, { seq: 3, list: ["a"] });
  // Maps arrive as objects with no prototype.
  assert.equal(Object.getPrototypeOf(back), null);
  // A "__proto__" key inside the data stays a plain key.
  packed.send(JSON.parse('{"payload": {"__proto__": {"polluted": true}}}'));
  const inner = (await next(packed, "message")).data.payload;
  assert.equal(Object.getPrototypeOf(inner), null);
  assert.deepEqual({ ...inner.__proto__ }, { polluted: true });
  assert.equal({}.polluted, undefined);
  assert.deepEqual(Object.keys(inner), ["__proto__"]);
  packed.dispose();
});

test("a dropped link reconnects and the outbox is delivered in order", async () => {
  const t = scope("js-drop");
  const socket = open("/echo", t);
  await socket.opened();
  const down = next(socket, "state", 5000, (e) => e.state === "waiting");
  await control("drop", t);
  await down;
  for (let n = 0; n < 5; n++) assert.equal(socket.send({ n }), "queued");
  assert.equal(socket.outbox.length, 5);
  const got = [];
  for await (const message of socket) {
    got.push(message.n);
    if (got.length === 5) break;
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.deepEqual(await report("received", t), [0, 1, 2, 3, 4].map((n) => JSON.stringify({ n })));
  assert.equal((await report("stats", t)).endpoints["/echo"].accepted, 2);
  socket.dispose();
});

test("sends go straight to the open socket, and past the high watermark are held, all in order", async () => {
  const t = scope("js-direct");
  const socket = open("/echo", t, { highWatermark: 300, lowWatermark: 100 });
  await socket.opened();
  const pad = "x".repeat(40);
  const outcomes = [];
  const arriving = messages(socket, 200);
  for (let n = 0; n < 200; n++) outcomes.push(socket.send({ n, pad }));
  assert.equal(outcomes[0], "sent", "an open socket with nothing queued sends at once");
  assert.ok(outcomes.every((o) => o === "sent" || o === "queued"), `no send refused or dropped: ${outcomes}`);
  const got = (await arriving).map((m) => m.n);
  const order = [...Array(200).keys()];
  assert.deepEqual(got, order, "every message came back, in order");
  assert.deepEqual(
    (await report("received", t)).map((m) => JSON.parse(m).n),
    order,
    "the server got each message once, in order",
  );
  socket.dispose();
  assert.throws(() => socket.send({ n: 200 }), (e) => e instanceof SteadySocketError && e.code === "disposed");
});

// A WebSocket that ignores binaryType and hands out Blobs, which are read
// asynchronously: the frames behind one must wait for it.
const Base = platform.WebSocket ?? globalThis.WebSocket;
class BlobWebSocket extends Base {
  constructor(url, protocols) {
    super(url, protocols);
    super.binaryType = "blob";
  }
  get binaryType() {
    return "blob";
  }
  set binaryType(_) {}
}

for (const [path, heartbeat] of [
  ["the direct path", undefined],
  ["the engine's path (heartbeat)", { interval: 5000, timeout: 5000 }],
]) {
  test(`Blobs from a runtime that ignores binaryType keep their order on ${path}`, async () => {
    const t = scope("js-blob");
    const passthrough = { encode: (m) => m, decode: (d) => d };
    const socket = open("/echo", t, { WebSocket: BlobWebSocket, codec: passthrough, heartbeat });
    await socket.opened();
    const sent = ["a", new Uint8Array([1]), "b", "c", new Uint8Array([2, 3]), "d"];
    const arriving = messages(socket, sent.length);
    for (const m of sent) socket.send(m);
    const got = (await arriving).map((m) => (typeof m === "string" ? m : [...new Uint8Array(m)]));
    assert.deepEqual(got, ["a", [1], "b", "c", [2, 3], "d"]);
    socket.dispose();
  });
}

test("close 1000 and 1008 stop; for await ends, quietly for 1000 and with the reason for 1008", async () => {
  for (const code of [1000, 1008]) {
    const t = scope(`js-${code}`);
    const socket = open("/echo", t);
    await socket.opened();
    const seen = [];
    const loop = (async () => {
      try {
        for await (const m of socket) seen.push(m);
        return "ended";
      } catch (e) {
        return `threw ${e.code}: ${e.message}`;
      }
    })();
    const closed = next(socket, "close");
    await control("close", t, `code=${code}&reason=stop`);
    const event = await closed;
    assert.equal(event.code, code);
    assert.equal(await loop, code === 1000 ? "ended" : `threw closed: closed by the server with 1008 "stop"`);
    await sleep(500);
    assert.equal(socket.state, "closed");
    assert.equal((await report("stats", t)).endpoints["/echo"].accepted, 1, `${code} reconnected`);
    assert.throws(() => socket.send({ late: true }), (e) => e.code === "closed");
    socket.dispose();
  }
});

test("shouldReconnect decides for 4xxx codes; reconnect() revives", async () => {
  const t = scope("js-4xxx");
  const socket = open("/echo", t, { shouldReconnect: (close) => (close.code === 4401 ? false : undefined) });
  await socket.opened();
  const retry = next(socket, "reconnecting");
  await control("close", t, "code=4500");
  await retry;
  await next(socket, "open");
  const stopped = next(socket, "state", 5000, (e) => e.state === "closed");
  await control("close", t, "code=4401");
  await stopped;
  socket.reconnect();
  await socket.opened();
  assert.equal((await report("stats", t)).endpoints["/echo"].accepted, 3);
  socket.dispose();
});

test("a user close is final; bad close codes reject", async () => {
  const t = scope("js-close");
  const socket = open("/echo", t);
  await socket.opened();
  await assert.rejects(socket.close(1006), RangeError);
  await assert.rejects(socket.close(1000, "x".repeat(124)), RangeError);
  await socket.close(1000, "bye");
  assert.equal(socket.state, "closed");
  await sleep(400);
  assert.equal((await report("stats", t)).endpoints["/echo"].accepted, 1);
  socket.dispose();
});

test("a malformed frame is a decode-error event and the next message arrives", async () => {
  const t = scope("js-malformed");
  const socket = open("/echo", t);
  await socket.opened();
  const bad = next(socket, "decode-error");
  await control("malformed", t, "kind=json");
  const event = await bad;
  assert.equal(event.kind, "text");
  assert.match(event.preview, /^\{"malformed"/);
  socket.send({ after: true });
  assert.deepEqual((await next(socket, "message")).data, { after: true });
  socket.dispose();
});

test("an oversized frame is a decode-error event, not a crash", async () => {
  const t = scope("js-oversized");
  const socket = open("/echo", t, { maxMessageSize: 1000 });
  await socket.opened();
  const bad = next(socket, "decode-error");
  await control("oversized", t, "bytes=5000");
  assert.equal((await bad).error.code, "too-large");
  socket.send({ still: "alive" });
  assert.deepEqual((await next(socket, "message")).data, { still: "alive" });
  socket.dispose();
});

test("the URL function is asked before every attempt", async () => {
  const t = scope("js-urlfn");
  const asked = [];
  const socket = new SteadySocket(
    async (attempt) => {
      asked.push(attempt);
      return wsUrl("/echo", t, `&token=${asked.length}`);
    },
    { ...platform, ...quick },
  );
  await socket.opened();
  const reopened = next(socket, "open");
  await control("drop", t);
  await reopened;
  assert.deepEqual(asked, [0, 1]);
  socket.dispose();
});

test("invalid options, URLs and sends give clear errors", () => {
  assert.throws(() => new SteadySocket(42), /the URL must be a string/);
  assert.throws(() => new SteadySocket("ws://x", { maxRetrys: 3 }), /unknown option "maxRetrys"/);
  assert.throws(() => new SteadySocket("ws://x", { initialDelay: -1 }), /initialDelay must be a whole number of milliseconds, 0 or more, got -1$/);
  assert.throws(() => new SteadySocket("ws://x", { jitter: "lots" }), /option jitter must be/);
  assert.throws(() => new SteadySocket("ws://x", { codec: "xml" }), /option codec must be/);
  assert.throws(() => new SteadySocket("ws://x", { ...platform, initialDelay: 5000, maxDelay: 10 }), /^TypeError: invalid option initialDelay: 5000 ms is larger than the maximum delay, 10 ms$/);
  const s = new SteadySocket("ws://x", { ...platform, startClosed: true });
  assert.throws(() => s.send(undefined), (e) => e.code === "encode");
  assert.throws(() => s.send(1n), (e) => e.code === "encode");
  s.dispose();
});

test("a URL the platform would refuse throws at construction, as the platform's SyntaxError", () => {
  for (const url of ["http://[bad", "wss//x", "localhost:8080/echo", "ftp://example.com/", "ws://example.com/#part"]) {
    for (const make of [() => new SteadySocket(url, platform), () => new ReconnectingWebSocket(url, undefined, platform)]) {
      assert.throws(make, (e) => e.name === "SyntaxError" && e.message.includes("invalid WebSocket URL") && e.message.includes(url), url);
    }
  }
  // http and https map to ws and wss, as the platform maps them.
  const s = new SteadySocket("http://example.com/echo", { ...platform, startClosed: true });
  s.dispose();
});

test("a runtime with no WebSocket and no WebSocket option throws at construction", () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
  delete globalThis.WebSocket;
  try {
    for (const make of [() => new SteadySocket("ws://x"), () => new ReconnectingWebSocket("ws://x")]) {
      assert.throws(make, /^TypeError: this runtime has no WebSocket: pass a WebSocket constructor as the WebSocket option/);
    }
  } finally {
    if (saved) Object.defineProperty(globalThis, "WebSocket", saved);
  }
});

test("a socket disposed at once (React StrictMode, hot reload) never connects", async () => {
  const t = scope("js-strict");
  const first = open("/echo", t);
  first.dispose(); // StrictMode runs the effect's cleanup at once
  const second = open("/echo", t);
  await second.opened();
  // Disposed stays disposed, and says so.
  assert.throws(() => first.reconnect(), (e) => e.code === "disposed");
  await sleep(300);
  const stats = (await report("stats", t)).endpoints["/echo"];
  assert.equal(stats.accepted, 1, "the disposed socket connected");
  assert.equal(stats.live, 1);
  assert.equal(first.state, "closed");
  assert.throws(() => first.send({ late: true }), (e) => e.code === "disposed" && !/reconnect\(\)/.test(e.message));
  second.dispose();
  await sleep(300);
  assert.equal((await report("stats", t)).endpoints["/echo"].live, 0, "dispose() closes the socket");
});

test("with a heartbeat, frames go through the engine: messages arrive and the round trip is reported", async () => {
  const socket = open("/echo", scope("js-heartbeat"), {
    heartbeat: { interval: 150, timeout: 1000, ping: JSON.stringify({ type: "ping" }) },
    maxMessageSize: 1000,
  });
  await socket.opened();
  const beat = await next(socket, "heartbeat", 3000);
  assert.ok(beat.rtt >= 0 && beat.rtt < 1000, `rtt ${beat.rtt}`);
  socket.send({ n: 42 });
  const got = await next(socket, "message", 3000, (e) => e.data.n === 42);
  assert.deepEqual(got.data, { n: 42 });
  const big = next(socket, "decode-error", 3000);
  socket.send({ pad: "x".repeat(2000) }); // echoed back over the limit
  assert.equal((await big).error.code, "too-large");
  socket.dispose();
});

test("text is measured in the UTF-8 bytes the socket sends, lone surrogates and pairs included", () => {
  // The outbox's byte bounds, bufferedAmount and the resume window count
  // these sizes: they must be what TextEncoder (and so the socket) makes.
  const units = ["a", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "✓", "\uffff", "😀", "\ud800", "\udc00", "\udbff\udfff"];
  let seed = 7;
  const rand = (n) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const encoder = new TextEncoder();
  for (let i = 0; i < 3000; i++) {
    let text = "";
    for (let j = rand(12); j > 0; j--) text += units[rand(units.length)];
    assert.equal(frameBytes(text), encoder.encode(text).length, JSON.stringify(text));
  }
  // A high surrogate at the end, and a low one before a high one.
  for (const text of ["x\ud83d", "\ude00\ud83d", "\ud83d\ud83d\ude00"]) assert.equal(frameBytes(text), encoder.encode(text).length);
});
