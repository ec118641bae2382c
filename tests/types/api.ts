// Every public member and event of the package, as a TypeScript user writes
// them, and each wrong use rejected (@ts-expect-error: the line must be an
// error, or the compile fails). Compiled by the test command with the oldest
// TypeScript the package supports (5.2, the first with `using`) and the
// current one, with the DOM lib and in a Node-only project without it.
import init, {
  diagnostics,
  initResume,
  initSync,
  ReconnectingWebSocket,
  SteadyEvent,
  SteadySocket,
  SteadySocketError,
  version,
  type CloseInfo,
  type Codec,
  type CodecObject,
  type ErrorCode,
  type ReconnectingWebSocketEventMap,
  type ResumeOptions,
  type ResumeStats,
  type SendOutcome,
  type State,
  type SteadySocketEventMap,
  type SteadySocketOptions,
  type UrlSource,
} from "steadysocket";
import { initMsgpack, initMsgpackSync, msgpack } from "steadysocket/msgpack";
import { MemoryStore, ResumeServer, type ServerConnection, type ServerSession } from "steadysocket/server";

// The resume server: options, sessions and their messages typed.
export function resumeServer(ws: ServerConnection, request: unknown): ServerSession[] {
  const sessions: ServerSession[] = [];
  const server = new ResumeServer({
    store: new MemoryStore(),
    sessionTtl: 60_000,
    authorize: (req) => (req ? "someone" : null),
    onSession(session) {
      sessions.push(session);
      session.onmessage = async (message) => {
        if (typeof message === "string") await session.send(message.toUpperCase());
        else await session.send(message);
      };
      void (session.shortId satisfies string, session.identity satisfies string, session.connected satisfies boolean);
    },
  });
  // @ts-expect-error: an unknown option
  new ResumeServer({ ttl: 5 });
  const picked: string | false = server.handleProtocols(["steadysocket.resume.v1~chat"]);
  const taken: boolean = server.accept(ws, request);
  void picked, taken;
  const settings: ResumeOptions = { maxUnackedMessages: 10 };
  const stats: ResumeStats | undefined = undefined;
  void settings, stats;
  return sessions;
}

type In = { type: "chat"; text: string } | { type: "joined"; name: string };
type Out = { type: "say"; text: string };

export async function everyMember(bytes: Uint8Array): Promise<void> {
  // Loading: optional, and only the current forms.
  const preload: Promise<void> = init();
  await preload;
  initSync({ module: bytes });
  // @ts-expect-error: the deprecated form (bytes alone) is not offered
  initSync(bytes);
  const v: string = version();
  const d: { sockets: number; listeners: number; timers: number; dropped: number } = diagnostics();
  void v, d;

  const url: UrlSource = (attempt: number) => (attempt > 2 ? "wss://b.example" : "wss://a.example");
  const options: SteadySocketOptions<Out> = {
    codec: "json",
    startClosed: false,
    initialDelay: 1000,
    maxDelay: 30_000,
    delayGrowFactor: 1.6,
    jitter: 0.2,
    maxRetries: Infinity,
    retryBudget: 60_000,
    minUptime: 5000,
    connectionTimeout: 10_000,
    maxEnqueuedMessages: 100,
    maxEnqueuedBytes: 1 << 20,
    maxHeldBytes: 1 << 24,
    messageTtl: 5000,
    closeTimeout: 3000,
    highWatermark: 1 << 20,
    lowWatermark: 1 << 18,
    retryFirstConnect: true,
    hiddenTimeout: 60_000,
    maxMessageSize: 1 << 24,
    restartDelay: [5000, 30_000],
    overflow: "drop-oldest",
    heartbeat: { interval: 20_000, timeout: 5000, ping: "ping", pong: "pong" },
    protocols: ["chat.v1"],
    shouldReconnect: (close: CloseInfo) => (close.byClient ? undefined : close.code !== 4401),
    handshake: () => [{ type: "say", text: "hello" }],
  };
  // @ts-expect-error: handshake sends Out messages
  const badHandshake: SteadySocketOptions<Out> = { handshake: () => ({ type: "chat", text: "x" }) };
  // @ts-expect-error: an unknown option
  const unknownOption: SteadySocketOptions<Out> = { reconnectDelay: 5 };
  // @ts-expect-error: overflow takes one of its policies
  const badOverflow: SteadySocketOptions<Out> = { overflow: "drop-all" };
  // @ts-expect-error: msgpack is a codec object from steadysocket/msgpack, not a name
  const badCodec: SteadySocketOptions<Out> = { codec: "msgpack" };
  void badHandshake, unknownOption, badOverflow, badCodec;

  // `using` disposes the socket at the end of the block.
  {
    using scoped = new SteadySocket<In, Out>("wss://example.com", { startClosed: true });
    scoped.reconnect();
  }

  const socket = new SteadySocket<In, Out>(url, options);
  const outcome: SendOutcome = socket.send({ type: "say", text: "hi" });
  const outcomes: "sent" | "queued" | "dropped" = outcome;
  void outcomes;
  // @ts-expect-error: an In message is not an Out one
  socket.send({ type: "chat", text: "wrong direction" });
  // @ts-expect-error: not a message at all
  socket.send(42);

  const state: State = socket.state;
  // @ts-expect-error: state is read-only
  socket.state = "open";
  const protocol: string = socket.protocol;
  const buffered: number = socket.bufferedAmount;
  const queued: Out[] = socket.outbox;
  const drained: Out[] = socket.drainOutbox();
  // @ts-expect-error: the outbox holds Out messages
  const wrongOutbox: In[] = socket.outbox;
  const config: Record<string, unknown> = socket.configSnapshot();
  const opened: Promise<void> = socket.opened();
  const stop: () => void = socket.onMessage((m: In) => void m);
  stop();
  void state, protocol, buffered, queued, drained, wrongOutbox, config, opened;

  // Every event, with its fields typed, added and removed.
  const onOpen = (e: SteadySocketEventMap<In>["open"]) => void (e.protocol satisfies string);
  socket.addEventListener("open", onOpen);
  socket.removeEventListener("open", onOpen);
  const onMessage = (e: SteadySocketEventMap<In>["message"]) => {
    const m: In = e.data;
    if (m.type === "chat") void (m.text satisfies string);
  };
  socket.addEventListener("message", onMessage);
  socket.removeEventListener("message", onMessage);
  socket.addEventListener("close", (e) => void (e.code satisfies number, e.reason satisfies string, e.wasClean satisfies boolean, e.byClient satisfies boolean));
  socket.addEventListener("error", (e) => void (e.message satisfies string, e.fatal satisfies boolean | undefined));
  socket.addEventListener("error", (e) => {
    if (e.kind === "connect-timeout") socket.reconnect();
    // @ts-expect-error: a misspelt kind cannot match
    if (e.kind === "timeout") socket.reconnect();
  });
  socket.addEventListener("state", (e) => void (e.state satisfies State));
  socket.addEventListener("reconnecting", (e) => void (e.attempt satisfies number, e.delay satisfies number));
  socket.addEventListener("giveup", (e) => void (e.reason satisfies string));
  socket.addEventListener("drop", (e) => {
    const dropped: Out = e.data;
    const reason: "overflow" | "expired" | "drained" | "refused" | "resync" = e.reason;
    void dropped, reason, e.id satisfies number, e.error satisfies Error | undefined;
  });
  socket.addEventListener("decode-error", (e) => void (e.error satisfies Error, e.kind satisfies string, e.preview satisfies string));
  socket.addEventListener("heartbeat", (e) => void (e.rtt satisfies number));
  socket.addEventListener("resync", (e) => void (e satisfies Event));
  // Resume: sendAcked takes Out messages, and the counters are typed.
  const acked: Promise<void> = socket.sendAcked({ type: "say", text: "once" });
  // @ts-expect-error: sendAcked takes Out messages too
  void socket.sendAcked({ type: "chat", text: "wrong direction" });
  const counters = socket.resumeStats;
  if (counters) void (counters.sent satisfies number, counters.acknowledged satisfies number, counters.replayed satisfies number, counters.resyncs satisfies number, counters.live satisfies boolean);
  void acked;
  new SteadySocket<In, Out>(url, { resume: true });
  const preloaded: Promise<void> = initResume();
  void preloaded;
  new SteadySocket<In, Out>(url, { resume: { maxUnackedMessages: 100, maxUnackedBytes: 65536 } });
  // @ts-expect-error: not a resume setting
  new SteadySocket<In, Out>(url, { resume: { window: 3 } });
  socket.addEventListener("state", (e) => void e, { once: true });
  // @ts-expect-error: a typo in an event name
  socket.addEventListener("reconecting", () => {});
  // @ts-expect-error: the message event's data is In
  socket.addEventListener("message", (e: { data: Out }) => void e);

  for await (const message of socket) {
    const m: In = message;
    void m;
    break;
  }

  try {
    socket.send({ type: "say", text: "late" });
  } catch (e) {
    if (e instanceof SteadySocketError) {
      const code: ErrorCode = e.code;
      // @ts-expect-error: a misspelt error code cannot match
      if (e.code === "outbox-ful") void code;
      void e.data;
    }
  }
  const closing: Promise<void> = socket.close(1000, "bye");
  await closing;
  socket.dispose();
  socket[Symbol.dispose]();

  // Codecs.
  const text = new SteadySocket<string>("wss://x", { codec: "text" });
  text.send("plain");
  // @ts-expect-error: a text socket sends strings
  text.send({ not: "text" });
  const mine: CodecObject = { encode: (m) => JSON.stringify(m), decode: (d) => (typeof d === "string" ? d : "") };
  const codec: Codec = mine;
  new SteadySocket<unknown>("wss://x", { codec });
  await initMsgpack();
  initMsgpackSync({ module: bytes });
  new SteadySocket<{ seq: number }>("wss://x", { codec: msgpack });

  // Events built by the package are Events with fields.
  const event: Event = new SteadyEvent("state", { state: "open" });
  void event;

  // The drop-in, typed as partysocket types it.
  const rws = new ReconnectingWebSocket("wss://example.com", ["v1"], { maxRetries: 3, minReconnectionDelay: 500, startClosed: true, debug: false });
  rws.onopen = () => {};
  rws.onmessage = (e) => void e.data;
  rws.onclose = (e) => void (e.code satisfies number);
  rws.onerror = (e) => void (e.message satisfies string);
  const onDrop = (e: ReconnectingWebSocketEventMap["drop"]) => void e.reason;
  rws.addEventListener("drop", onDrop);
  rws.removeEventListener("drop", onDrop);
  const ready: number = rws.readyState;
  const open: boolean = ready === ReconnectingWebSocket.OPEN || ready === rws.CONNECTING;
  void open, rws.retryCount, rws.bufferedAmount, rws.url, rws.protocol, rws.extensions, rws.binaryType;
  rws.send("text");
  rws.reconnect(4000, "again");
  rws.close(1000, "done");
  // @ts-expect-error: partysocket's send takes frames, not objects
  rws.send({ not: "a frame" });
  {
    using scopedRws = new ReconnectingWebSocket("wss://example.com", [], { startClosed: true });
    void scopedRws;
  }
}
