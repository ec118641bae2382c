// steadysocket/server: the resume protocol's server side (docs/PROTOCOL.md)
// for Node servers on the ws package. It wraps each connection that picked
// the protocol into a session that outlives it: messages both ways are
// numbered, kept until acknowledged and replayed after a reconnect, so that
// each side's application gets every message once and in order.
//
// It needs no import of ws: it takes ws's connection objects as they come
// (send, close, terminate, on("message"), on("close")).
import { CLOSE_PROTOCOL_ERROR, CLOSE_SUPERSEDED, decode, encode, Outcome, SUBPROTOCOL, WireError, type WireFrame } from "./wire.js";

export { CLOSE_PROTOCOL_ERROR, CLOSE_SUPERSEDED, SUBPROTOCOL } from "./wire.js";

/** What the adapter needs of a ws connection. */
export interface ServerConnection {
  readonly protocol: string;
  send(data: Uint8Array, options: { binary: boolean }, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  on(event: "message", listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** A message as the application gets it: text as a string, binary as bytes. */
export type ServerMessage = string | Uint8Array;

/** A message kept for replay until the client acknowledges it (text as its UTF-8 bytes). */
export interface StoredMessage {
  text: boolean;
  payload: Uint8Array;
}

/**
 * One session's state, as a store keeps it. Sequence numbers: the client's
 * messages processed (`processed`); the server's sent (`sent`), of which the
 * client acknowledged `acked`; `unacked` holds `acked + 1 ..= sent`.
 */
export interface SessionRecord {
  identity: string;
  processed: number;
  sent: number;
  acked: number;
  unacked: StoredMessage[];
  unackedBytes: number;
}

/**
 * Where sessions live. MemoryStore keeps them in this process (they do not
 * survive a restart); a store shared by several processes (Redis) is the
 * next part of this work and not built yet.
 */
export interface SessionStore {
  get(id: string): SessionRecord | undefined;
  set(id: string, record: SessionRecord): void;
  delete(id: string): void;
}

/** Sessions in a Map, in this process. */
export class MemoryStore implements SessionStore {
  #sessions = new Map<string, SessionRecord>();
  get(id: string): SessionRecord | undefined {
    return this.#sessions.get(id);
  }
  set(id: string, record: SessionRecord): void {
    this.#sessions.set(id, record);
  }
  delete(id: string): void {
    this.#sessions.delete(id);
  }
  get size(): number {
    return this.#sessions.size;
  }
}

export interface ResumeServerOptions {
  /**
   * Who the connection is, from its upgrade request: a string identity the
   * session is bound to (a resume by another identity fails like a lost
   * session), or null/false (or a throw, or a rejection) to refuse the
   * connection (closed with 1008). Default: everyone is "".
   */
  authorize?: (request: unknown) => string | null | false | Promise<string | null | false>;
  /** Called with every new session (also the one after a resync), before its first message. */
  onSession?: (session: ServerSession) => void;
  /**
   * Told of an error an `onmessage` handler threw (or its promise's
   * rejection); the message counts as processed all the same. Default:
   * console.error.
   */
  onError?: (error: unknown, session: ServerSession) => void;
  /** Where sessions live. Default: a MemoryStore. */
  store?: SessionStore;
  /** Milliseconds a session without a connection is kept. Default 120000. */
  sessionTtl?: number;
  /** Messages the server keeps for one session's replay, at most; send() waits past it. Default 1000. */
  maxReplayMessages?: number;
  /** Bytes the server keeps for one session's replay, at most (one larger message goes alone). Default 1 MiB. */
  maxReplayBytes?: number;
  /** Bytes kept for replay across all sessions, at most; send() waits past it. Default 64 MiB. */
  maxTotalReplayBytes?: number;
  /** Resume attempts per session id per minute, at most; more are refused with 1013 (try again later). Default 120. */
  maxResumesPerSession?: number;
  /** Resume attempts per identity per minute, at most. Default 600. */
  maxResumesPerIdentity?: number;
  /**
   * Client messages received and not yet processed, per session, at most:
   * past it the connection is closed with 4400. Keep clients'
   * maxUnackedMessages below it. Default 10000.
   */
  maxInboxMessages?: number;
  /** Milliseconds a connection may take to send its hello. Default 10000. */
  helloTimeout?: number;
  /** Acknowledge after this many processed messages at most. Default 32. */
  ackEvery?: number;
  /** Acknowledge a processed message within this many milliseconds. Default 100. */
  ackDelay?: number;
  /** The application's own protocols, in preference order, for handleProtocols. Default: whichever the client offers first. */
  protocols?: string[];
}

type Settings = Required<Omit<ResumeServerOptions, "authorize" | "onSession" | "onError" | "store" | "protocols">>;

const DEFAULTS: Settings = {
  sessionTtl: 120_000,
  maxReplayMessages: 1000,
  maxReplayBytes: 1 << 20,
  maxTotalReplayBytes: 64 << 20,
  maxResumesPerSession: 120,
  maxResumesPerIdentity: 600,
  maxInboxMessages: 10_000,
  helloTimeout: 10_000,
  ackEvery: 32,
  ackDelay: 100,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A counter per key over a sliding minute. */
class RateLimit {
  #hits = new Map<string, number[]>();
  constructor(readonly perMinute: number) {}
  /** Counts one attempt; false when over the limit. */
  take(key: string, now: number): boolean {
    const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < 60_000);
    const ok = recent.length < this.perMinute;
    if (ok) recent.push(now);
    this.#hits.set(key, recent);
    return ok;
  }
}

/**
 * The resume protocol's server. Give ws's server its `handleProtocols`, and
 * hand every connection to `accept(ws, request)`: one that picked the
 * protocol becomes (part of) a session; `accept` returns false for one that
 * did not (plain WebSocket, the application's to handle).
 */
export class ResumeServer {
  readonly settings: Settings;
  #options: ResumeServerOptions;
  #store: SessionStore;
  #live = new Map<string, ServerSession>();
  #perSession: RateLimit;
  #perIdentity: RateLimit;
  #totalBytes = 0;
  #roomWaiters = new Set<() => void>();

  constructor(options: ResumeServerOptions = {}) {
    this.#options = options;
    this.#store = options.store ?? new MemoryStore();
    const settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (typeof v !== "number" || !(v > 0)) throw new TypeError(`option ${key} must be a number above zero, got ${String(v)}`);
      settings[key] = v;
    }
    this.settings = settings;
    this.#perSession = new RateLimit(settings.maxResumesPerSession);
    this.#perIdentity = new RateLimit(settings.maxResumesPerIdentity);
  }

  /**
   * For ws's `handleProtocols`: picks the resume token of the application's
   * first acceptable protocol (the client offers `steadysocket.resume.v1~p`
   * for each of its own `p`), else the bare token, else one of the
   * application's own (plain WebSocket), else none.
   */
  handleProtocols = (offered: Set<string> | string[]): string | false => {
    const list = [...offered];
    const wanted = this.#options.protocols;
    const ok = (app: string) => wanted === undefined || wanted.includes(app);
    for (const p of list) if (p.startsWith(SUBPROTOCOL + "~") && ok(p.slice(SUBPROTOCOL.length + 1))) return p;
    // The bare token: the client offers no protocol of its own.
    if (list.includes(SUBPROTOCOL) && (wanted === undefined || wanted.length === 0)) return SUBPROTOCOL;
    return list.find((p) => !p.startsWith(SUBPROTOCOL) && ok(p)) ?? false;
  };

  /** Takes a new connection; false if it did not pick the protocol (plain WebSocket). */
  accept(ws: ServerConnection, request?: unknown): boolean {
    if (ws.protocol !== SUBPROTOCOL && !ws.protocol.startsWith(SUBPROTOCOL + "~")) return false;
    new Link(this, ws, request);
    return true;
  }

  /** Live sessions in this process (with or without a connection). */
  get sessions(): number {
    return this.#live.size;
  }

  /** @internal */
  authorize(request: unknown): Promise<string | null> {
    const hook = this.#options.authorize;
    if (!hook) return Promise.resolve("");
    return Promise.resolve()
      .then(() => hook(request))
      .then(
        (identity) => (typeof identity === "string" ? identity : null),
        () => null,
      );
  }

  /** @internal A handler failed: reported, never thrown into the server. */
  handlerFailed(error: unknown, session: ServerSession): void {
    try {
      (this.#options.onError ?? ((e: unknown) => console.error("steadysocket/server: onmessage threw", e)))(error, session);
    } catch {
      // An onError that throws has nothing left to tell.
    }
  }

  /** @internal Opens a new session for `identity`. */
  create(identity: string, protocol: string): ServerSession {
    const raw = new Uint8Array(16);
    globalThis.crypto.getRandomValues(raw);
    const record: SessionRecord = { identity, processed: 0, sent: 0, acked: 0, unacked: [], unackedBytes: 0 };
    const id = hex(raw);
    this.#store.set(id, record);
    const session = new ServerSession(this, id, raw, record, protocol);
    this.#live.set(id, session);
    this.#options.onSession?.(session);
    return session;
  }

  /**
   * The session to resume, if `identity` may: unknown, expired and another
   * identity's ids all give undefined, alike. "limited": too many attempts.
   */
  find(id: Uint8Array, identity: string): ServerSession | undefined | "limited" {
    const key = hex(id);
    const now = Date.now();
    if (!this.#perSession.take(key, now) || !this.#perIdentity.take(identity, now)) return "limited";
    const session = this.#live.get(key);
    const record = this.#store.get(key);
    if (!session || !record || record.identity !== identity) return undefined;
    return session;
  }

  /** @internal The session expired or was closed. */
  forget(session: ServerSession): void {
    this.#live.delete(session.key);
    this.#store.delete(session.key);
    this.freed(session.record.unackedBytes);
  }

  /** @internal Bytes kept for replay across sessions. */
  kept(bytes: number): void {
    this.#totalBytes += bytes;
  }

  /** @internal */
  freed(bytes: number): void {
    this.#totalBytes -= bytes;
    for (const wake of [...this.#roomWaiters]) wake();
  }

  /** @internal Whether `bytes` more fit under the total cap. */
  fits(bytes: number): boolean {
    return this.#totalBytes === 0 || this.#totalBytes + bytes <= this.settings.maxTotalReplayBytes;
  }

  /** @internal Waits for freed bytes anywhere. */
  waitRoom(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#roomWaiters.delete(wake);
        resolve();
      };
      this.#roomWaiters.add(wake);
    });
  }

  /** Bytes kept for replay across all sessions now. */
  get replayBytes(): number {
    return this.#totalBytes;
  }
}

/**
 * One client's session: it outlives its connections. The application sets
 * `onmessage` (its return, or its promise's resolution, is the commit point:
 * only then is the message acknowledged) and calls `send`.
 */
export class ServerSession {
  /** The first 8 hex digits of the id, for logs (the whole id is never exposed). */
  readonly shortId: string;
  /** The application's protocol the client chose ("" for none). */
  readonly protocol: string;
  /**
   * Each client message, in order, once. The next is handed over once this
   * one returned or its promise settled; one that throws is still
   * processed (not redelivered).
   */
  onmessage: ((message: ServerMessage, session: ServerSession) => unknown) | null = null;
  /** The session ended: it expired without a connection, or close() was called. */
  onend: ((session: ServerSession) => void) | null = null;
  /** @internal */
  readonly key: string;
  /** @internal */
  readonly raw: Uint8Array;
  /** @internal */
  record: SessionRecord;
  #server: ResumeServer;
  #link: Link | null = null;
  #expiry: ReturnType<typeof setTimeout> | null = null;
  // Client messages received and not yet processed, with their numbers.
  #inbox: { seq: number; message: ServerMessage }[] = [];
  #busy = false;
  /** The highest client sequence number taken into the inbox. */
  #queued = 0;
  #ackSent = 0;
  #ackTimer: ReturnType<typeof setTimeout> | null = null;
  #ended = false;
  #roomWaiters: (() => void)[] = [];
  /** Counters: messages sent, replayed, received, resumes. */
  readonly stats = { sent: 0, replayed: 0, received: 0, resumes: 0 };

  constructor(server: ResumeServer, key: string, raw: Uint8Array, record: SessionRecord, protocol: string) {
    this.#server = server;
    this.key = key;
    this.raw = raw;
    this.record = record;
    this.protocol = protocol;
    this.shortId = key.slice(0, 8);
    this.#queued = record.processed;
    this.#ackSent = record.processed;
  }

  /** The identity authorize() gave the connection that created it. */
  get identity(): string {
    return this.record.identity;
  }

  /** Whether a connection holds the session now. */
  get connected(): boolean {
    return this.#link !== null;
  }

  /** Server messages not yet acknowledged by the client. */
  get unacked(): number {
    return this.record.unacked.length;
  }

  /**
   * Sends a message: numbered, kept until the client acknowledges it, sent
   * now if a connection holds the session, else replayed when the client
   * resumes. Resolves once it is kept; waits while the replay buffer is
   * full (per session or in total); rejects once the session has ended.
   */
  async send(message: ServerMessage | ArrayBufferView | ArrayBuffer): Promise<void> {
    const stored = toStored(message);
    for (;;) {
      if (this.#ended) throw new Error("the session has ended");
      const r = this.record;
      const s = this.#server.settings;
      const room =
        r.unacked.length === 0 ||
        (r.unacked.length < s.maxReplayMessages && r.unackedBytes + stored.payload.length <= s.maxReplayBytes && this.#server.fits(stored.payload.length));
      if (room) break;
      await new Promise<void>((resolve) => {
        this.#roomWaiters.push(resolve);
        this.#server.waitRoom().then(resolve);
      });
    }
    const r = this.record;
    r.sent++;
    r.unacked.push(stored);
    r.unackedBytes += stored.payload.length;
    this.#server.kept(stored.payload.length);
    this.stats.sent++;
    this.#link?.data(stored);
  }

  /** Ends the session now: its connection is closed (1000) and it cannot be resumed. */
  close(): void {
    if (this.#ended) return;
    this.#link?.ws.close(1000, "session closed");
    this.#end();
  }

  #end(): void {
    this.#ended = true;
    this.#link = null;
    if (this.#expiry) clearTimeout(this.#expiry);
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    this.#server.forget(this);
    for (const wake of this.#roomWaiters.splice(0)) wake();
    this.onend?.(this);
  }

  /** @internal A connection takes the session over (its hello was answered). */
  attach(link: Link, lastServer: number | null): boolean {
    const r = this.record;
    if (lastServer !== null) {
      if (lastServer > r.sent || lastServer < r.acked) return false;
      this.#release(lastServer);
      this.stats.resumes++;
    }
    const previous = this.#link;
    this.#link = link;
    if (previous) previous.superseded();
    if (this.#expiry) {
      clearTimeout(this.#expiry);
      this.#expiry = null;
    }
    return true;
  }

  /** @internal After the welcome: what the client has not acknowledged, in order. */
  replay(link: Link): void {
    this.stats.replayed += this.record.unacked.length;
    for (const m of this.record.unacked) link.data(m);
  }

  /** @internal The connection holding the session is gone. */
  detach(link: Link): void {
    if (this.#link !== link) return;
    this.#link = null;
    if (this.#ended) return;
    this.#expiry = setTimeout(() => this.#end(), this.#server.settings.sessionTtl);
    (this.#expiry as { unref?: () => void }).unref?.();
  }

  /** @internal Whether `link` holds the session (fencing). */
  holds(link: Link): boolean {
    return this.#link === link;
  }

  /** @internal A client message numbered `seq`; false when the inbox is over its bound. */
  received(seq: number, message: ServerMessage): boolean {
    // Replayed while its first copy is still being processed: dropped.
    if (seq <= this.#queued) return true;
    if (this.#inbox.length >= this.#server.settings.maxInboxMessages) return false;
    this.#queued = seq;
    this.#inbox.push({ seq, message });
    if (!this.#busy) void this.#drain();
    return true;
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#inbox.length > 0 && !this.#ended) {
      const { seq, message } = this.#inbox.shift()!;
      try {
        await this.onmessage?.(message, this);
      } catch (e) {
        // Processed all the same: reported, never redelivered.
        this.#server.handlerFailed(e, this);
      }
      this.record.processed = seq;
      this.stats.received++;
      this.#scheduleAck();
    }
    this.#busy = false;
  }

  #scheduleAck(): void {
    const due = this.record.processed - this.#ackSent;
    if (due <= 0) return;
    if (due >= this.#server.settings.ackEvery) return this.flushAck();
    this.#ackTimer ??= setTimeout(() => this.flushAck(), this.#server.settings.ackDelay);
  }

  /**
   * @internal The ack to carry on a data frame now, once half of ackEvery
   * messages wait for one (the timer covers fewer), and counts it sent.
   */
  takeAck(least = Math.max(1, Math.floor(this.#server.settings.ackEvery / 2))): number | undefined {
    if (this.record.processed - this.#ackSent < least || !this.#link) return undefined;
    this.#ackSent = this.record.processed;
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
    return this.#ackSent;
  }

  /** @internal Sends the ack now, in an ack frame. */
  flushAck(): void {
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
    const link = this.#link;
    if (!link) return;
    const ack = this.takeAck(1);
    if (ack !== undefined) link.write({ type: "ack", ack });
  }

  /** @internal The client acknowledged every server message up to `ack`; false if it was never sent. */
  acked(ack: number): boolean {
    if (ack > this.record.sent) return false;
    this.#release(ack);
    return true;
  }

  /** @internal The next acks start again from what the welcome told the client. */
  welcomed(): void {
    this.#ackSent = this.record.processed;
  }

  #release(ack: number): void {
    const r = this.record;
    let freed = 0;
    while (r.acked < ack && r.unacked.length > 0) {
      freed += r.unacked.shift()!.payload.length;
      r.acked++;
    }
    r.unackedBytes -= freed;
    if (freed > 0 || ack > 0) {
      this.#server.freed(freed);
      for (const wake of this.#roomWaiters.splice(0)) wake();
    }
  }
}

function toStored(message: ServerMessage | ArrayBufferView | ArrayBuffer): StoredMessage {
  if (typeof message === "string") return { text: true, payload: encoder.encode(message) };
  if (message instanceof ArrayBuffer) return { text: false, payload: new Uint8Array(message.slice(0)) };
  if (ArrayBuffer.isView(message)) return { text: false, payload: new Uint8Array(message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength)) };
  throw new TypeError("send() takes a string, an ArrayBuffer or a typed array");
}

/** Bytes of a ws message (a Buffer, an ArrayBuffer, or a list of Buffers). */
function bytesOf(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const total = data.reduce((n: number, d: Uint8Array) => n + d.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const d of data as Uint8Array[]) {
      out.set(d, at);
      at += d.length;
    }
    return out;
  }
  return null;
}

/** One connection of a session: the hello, the welcome, then frames both ways. */
class Link {
  readonly ws: ServerConnection;
  #server: ResumeServer;
  #session: ServerSession | null = null;
  // What authorize() said; frames are read only once it has.
  #identity = "";
  /** The next client data frame's sequence number. */
  #nextIn = 0;
  #closed = false;
  #helloTimer: ReturnType<typeof setTimeout> | null;
  // Frames that came before authorize() answered, in order.
  #early: [unknown, boolean][] | null = [];
  #protocol: string;

  constructor(server: ResumeServer, ws: ServerConnection, request: unknown) {
    this.#server = server;
    this.ws = ws;
    this.#protocol = ws.protocol === SUBPROTOCOL ? "" : ws.protocol.slice(SUBPROTOCOL.length + 1);
    this.#helloTimer = setTimeout(() => this.#fail("no hello in time"), server.settings.helloTimeout);
    (this.#helloTimer as { unref?: () => void }).unref?.();
    ws.on("message", (data, isBinary) => {
      if (this.#early) this.#early.push([data, isBinary]);
      else this.#frame(data, isBinary);
    });
    ws.on("close", () => this.#gone());
    ws.on("error", () => this.#gone());
    server.authorize(request).then((identity) => {
      if (identity === null) {
        this.#closed = true;
        this.#clearHello();
        return ws.close(1008, "unauthorized");
      }
      this.#identity = identity;
      const early = this.#early ?? [];
      this.#early = null;
      for (const [data, isBinary] of early) this.#frame(data, isBinary);
    });
  }

  #clearHello(): void {
    if (this.#helloTimer) clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
  }

  /** Writes a frame to the connection: a binary one, or text (a text message's bytes). */
  write(frame: WireFrame | Uint8Array): void {
    if (this.#closed) return;
    try {
      if (frame instanceof Uint8Array) this.ws.send(frame, { binary: false });
      else this.ws.send(encode(frame), { binary: true });
    } catch {
      this.#gone();
    }
  }

  /**
   * @internal A server message on this connection: text as a text frame of
   * its own, binary data with the ack due.
   */
  data(m: StoredMessage): void {
    if (this.#closed || !this.#session) return;
    if (m.text) return this.write(m.payload);
    const ack = this.#session.takeAck();
    this.write({ type: "data", ...(ack !== undefined && { ack }), payload: m.payload });
  }

  /** A later hello took the session over. */
  superseded(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.ws.close(CLOSE_SUPERSEDED, "superseded");
  }

  #fail(what: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearHello();
    this.ws.close(CLOSE_PROTOCOL_ERROR, `resume protocol error: ${what}`.slice(0, 123));
    if (this.#session) this.#session.detach(this);
  }

  #gone(): void {
    this.#closed = true;
    this.#clearHello();
    this.#session?.detach(this);
  }

  #hello(frame: Extract<WireFrame, { type: "hello" }>): void {
    const identity = this.#identity;
    let session: ServerSession | undefined;
    let outcome: Outcome = Outcome.New;
    if (frame.resume) {
      const found = this.#server.find(frame.resume.session, identity);
      if (found === "limited") {
        this.#closed = true;
        return this.ws.close(1013, "too many resume attempts");
      }
      if (found) {
        if (!found.attach(this, frame.resume.last)) return this.#fail("a resume from a sequence never sent");
        session = found;
        outcome = Outcome.Resumed;
      } else outcome = Outcome.Failed;
    }
    session ??= this.#server.create(identity, this.#protocol);
    if (outcome !== Outcome.Resumed) session.attach(this, null);
    this.#session = session;
    this.#nextIn = session.record.processed + 1;
    session.welcomed();
    this.write({ type: "welcome", outcome, session: session.raw, last: session.record.processed });
    session.replay(this);
  }

  /** A text message: a data frame, once the session is in force. */
  #text(text: string): void {
    if (this.#helloTimer !== null) {
      this.#clearHello();
      return this.#fail("the first frame is not a hello");
    }
    const session = this.#session;
    if (!session) return this.#fail("a frame before the welcome");
    if (!session.holds(this)) return;
    this.#message(session, text);
  }

  /** The next client message, numbered by its place. */
  #message(session: ServerSession, message: ServerMessage): void {
    if (!session.received(this.#nextIn++, message)) this.#fail("more messages ahead of their acknowledgement than maxInboxMessages");
  }

  #frame(data: unknown, isBinary: boolean): void {
    if (this.#closed) return;
    const bytes = bytesOf(data);
    if (bytes === null) return this.#fail("a frame of an unknown type");
    let frame: WireFrame | string;
    try {
      // A text frame is a text message (ws has checked it is UTF-8).
      frame = isBinary ? decode(bytes) : decoder.decode(bytes);
    } catch (e) {
      return this.#fail(e instanceof WireError ? e.message : isBinary ? "a malformed frame" : "a text message that is not UTF-8");
    }
    if (typeof frame === "string") return this.#text(frame);
    if (this.#helloTimer !== null) {
      this.#clearHello();
      if (frame.type !== "hello") return this.#fail("the first frame is not a hello");
      return this.#hello(frame);
    }
    const session = this.#session;
    // Before the welcome went out nothing else may come; after a later
    // connection took the session over, what comes here is discarded.
    if (!session) return this.#fail("a frame before the welcome");
    if (!session.holds(this)) return;
    switch (frame.type) {
      case "data":
        if (frame.ack !== undefined && !session.acked(frame.ack)) return this.#fail("an acknowledgement of a message never sent");
        return this.#message(session, frame.payload.slice());
      case "ack":
        if (!session.acked(frame.ack)) this.#fail("an acknowledgement of a message never sent");
        return;
      case "ping":
        return this.write({ type: "pong" });
      case "pong":
        return;
      default:
        return this.#fail(`a ${frame.type} after the hello`);
    }
  }
}
