// steadysocket/server: the resume protocol's server side (docs/PROTOCOL.md)
// for Node servers on the ws package. It wraps each connection that picked
// the protocol into a session that outlives it: messages both ways are
// numbered, kept until acknowledged and replayed after a reconnect, so that
// each side's application gets every message once and in order.
//
// It needs no import of ws: it takes ws's connection objects as they come
// (send, close, terminate, on("message"), on("close")).
import { chosen, CLOSE_PROTOCOL_ERROR, CLOSE_SUPERSEDED, decode, encode, Outcome, SUBPROTOCOL, WireError, type WireFrame } from "./wire.js";
import { FENCED, MemoryStore, type SessionRecord, type SessionStore, type StoredMessage } from "./server-store.js";

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

export { FENCED, MemoryStore, type Fenced, type SessionRecord, type SessionStore, type StoredMessage } from "./server-store.js";

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
  /**
   * Where sessions live. Default: a MemoryStore (this process). A store
   * shared by several processes (RedisStore) lets a client resume on any of
   * them.
   */
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
  /** Acknowledge after this many processed messages at most (a client's ping asks for the ack at once). Default 128. */
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
  ackEvery: 128,
  ackDelay: 100,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The resume protocol's server. Give ws's server its `handleProtocols`, and
 * hand every connection to `accept(ws, request)`: one that picked the
 * protocol becomes (part of) a session; `accept` returns false for one that
 * did not (plain WebSocket, the application's to handle).
 */
export class ResumeServer {
  readonly settings: Settings;
  #options: ResumeServerOptions;
  /** Where the sessions live (the `store` option, or a MemoryStore). */
  readonly store: SessionStore;
  #live = new Map<string, ServerSession>();
  #totalBytes = 0;
  #roomWaiters = new Set<() => void>();

  constructor(options: ResumeServerOptions = {}) {
    this.#options = options;
    this.store = options.store ?? new MemoryStore();
    const settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (typeof v !== "number" || !(v > 0)) throw new TypeError(`option ${key} must be a number above zero, got ${String(v)}`);
      settings[key] = v;
    }
    this.settings = settings;
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
    if (!chosen(ws.protocol).resume) return false;
    new Link(this, ws, request);
    return true;
  }

  /** Sessions this process holds (with or without a connection). */
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

  /** @internal A handler or the store failed (`what`): reported, never thrown into the server. */
  failed(error: unknown, session: ServerSession, what = "onmessage threw"): void {
    try {
      (this.#options.onError ?? ((e: unknown) => console.error(`steadysocket/server: ${what}`, e)))(error, session);
    } catch {
      // An onError that throws has nothing left to tell.
    }
  }

  /**
   * @internal `link` takes a session: a new one (`resume` undefined), or the
   * one it presents, or a new one when that one is lost (outcome Failed);
   * the welcome follows at once. "limited" past a rate limit, "range" for a
   * resume from a sequence never sent.
   */
  async claim(link: Link, identity: string, protocol: string, resume?: { session: Uint8Array; last: number }): Promise<"limited" | "range" | undefined> {
    const s = this.settings;
    let raw = resume?.session;
    let record: SessionRecord | "lost" | "range" = "lost";
    if (resume) {
      const key = hex(resume.session);
      const allowed = (await this.store.rateLimit(`s:${key}`, s.maxResumesPerSession)) && (await this.store.rateLimit(`i:${identity}`, s.maxResumesPerIdentity));
      if (!allowed) return "limited";
      record = await this.store.claim(key, identity, resume.last, s.sessionTtl);
      if (record === "range") return "range";
    }
    const outcome = record !== "lost" ? Outcome.Resumed : resume ? Outcome.Failed : Outcome.New;
    if (record === "lost") {
      const fresh = new Uint8Array(16);
      globalThis.crypto.getRandomValues(fresh);
      raw = fresh;
      await this.store.create(hex(raw), identity, protocol, s.sessionTtl);
      record = await this.store.claim(hex(raw), identity, null, s.sessionTtl);
      if (typeof record === "string") throw new Error("a session just created could not be claimed");
    }
    const key = hex(raw!);
    let session = this.#live.get(key);
    if (!session || session.ended) {
      session = new ServerSession(this, key, raw!, record, protocol);
      this.#live.set(key, session);
      this.#options.onSession?.(session);
    }
    session.attach(link, record);
    link.welcome(session, record, outcome);
  }

  /** @internal The session ended in this process (expired, closed, or taken by another process). */
  forget(session: ServerSession): void {
    if (this.#live.get(session.key) === session) this.#live.delete(session.key);
  }

  /** @internal Takes `bytes` under the total cap (a negative count gives them back); false when they do not fit. */
  keep(bytes: number): boolean {
    if (bytes > 0 && this.#totalBytes !== 0 && this.#totalBytes + bytes > this.settings.maxTotalReplayBytes) return false;
    this.#totalBytes += bytes;
    return true;
  }

  /** @internal Counts the times bytes were freed. */
  room = 0;

  /** @internal A session holds `bytes` fewer (more, when negative) than it counted: its senders and everyone else's may go on. */
  freed(bytes: number): void {
    this.#totalBytes = Math.max(0, this.#totalBytes - bytes);
    if (bytes <= 0) return;
    this.room++;
    for (const wake of [...this.#roomWaiters]) wake();
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

  /** Bytes this process kept for replay across all sessions now (its sends not yet acknowledged). */
  get replayBytes(): number {
    return this.#totalBytes;
  }
}

/**
 * One client's session: it outlives its connections. The application sets
 * `onmessage` (its return, or its promise's resolution, is the commit point:
 * only then is the message acknowledged) and calls `send`. With a store
 * shared by several processes, a session resumed on another process is
 * handed to that process's `onSession`, and ends here (`onend`).
 */
export class ServerSession {
  /** The first 8 hex digits of the id, for logs (the whole id is never exposed). */
  readonly shortId: string;
  /** The application's protocol the client chose ("" for none). */
  readonly protocol: string;
  /**
   * Each client message, in order, once. The next is handed over once this
   * one returned or its promise settled; one that throws is still
   * processed (not redelivered). `seq` is the message's sequence number in
   * the session: with sessions shared by several processes, a process that
   * dies after a handler finished and before the message was recorded as
   * processed, or whose handler was still running when a resume reached
   * another process, leaves it to be handed over again, with the same
   * `seq`, on the next process: an application whose effects must happen
   * once keys them by (session, seq).
   */
  onmessage: ((message: ServerMessage, session: ServerSession, seq: number) => unknown) | null = null;
  /** The session ended here: it expired without a connection, close() was called, or another process took it. */
  onend: ((session: ServerSession) => void) | null = null;
  /** @internal */
  readonly key: string;
  /** @internal */
  readonly raw: Uint8Array;
  #server: ResumeServer;
  #identity: string;
  /** The epoch this process holds the session at. */
  #epoch: number;
  #link: Link | null = null;
  #expiry: ReturnType<typeof setTimeout> | null = null;
  #lease: ReturnType<typeof setInterval> | null = null;
  // Client messages received and not yet processed, with their numbers.
  #inbox: { seq: number; message: ServerMessage }[] = [];
  #busy = false;
  /** The highest client sequence number taken into the inbox, and processed. */
  #queued: number;
  #processed: number;
  #ackSent: number;
  #ackTimer: ReturnType<typeof setTimeout> | null = null;
  /** The client asked for the ack (a ping) with messages still in the inbox: it goes once they are processed. */
  #ackAsked = false;
  /** A ping went out asking for the client's ack (the replay buffer is full), and no ack came since. */
  #pinged = false;
  /** Server messages: the highest kept and the highest acknowledged, as far as this process knows. */
  #sent = 0;
  #acked = 0;
  #ended = false;
  /** The bytes of this session's unacknowledged messages counted in the server's total. */
  #counted = 0;
  #roomWaiters: (() => void)[] = [];
  // Sends go to the store one after the other, in order.
  #sending: Promise<unknown> = Promise.resolve();
  /** Counters: messages sent, replayed, received, resumes. */
  readonly stats = { sent: 0, replayed: 0, received: 0, resumes: 0 };

  constructor(server: ResumeServer, key: string, raw: Uint8Array, record: SessionRecord, protocol: string) {
    this.#server = server;
    this.key = key;
    this.raw = raw;
    this.protocol = protocol;
    this.shortId = key.slice(0, 8);
    this.#identity = record.identity;
    this.#epoch = record.epoch;
    this.#queued = this.#processed = this.#ackSent = record.processed;
    this.#sent = record.sent;
    this.#acked = record.acked;
  }

  /** The identity authorize() gave the connection that created it. */
  get identity(): string {
    return this.#identity;
  }

  /** Whether a connection holds the session now (in this process). */
  get connected(): boolean {
    return this.#link !== null;
  }

  /** The highest server sequence number kept (the messages sent so far), as far as this process knows. */
  get sent(): number {
    return this.#sent;
  }

  /** Server messages not yet acknowledged by the client, as far as this process knows. */
  get unacked(): number {
    return this.#sent - this.#acked;
  }

  /** @internal */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Sends a message: numbered, kept until the client acknowledges it, sent
   * now if a connection holds the session, else replayed when the client
   * resumes. Resolves once it is kept (in the store); waits while the
   * replay buffer is full (per session or in total); rejects once the
   * session has ended here.
   */
  send(message: ServerMessage | ArrayBufferView | ArrayBuffer): Promise<void> {
    const stored = toStored(message);
    const sent = this.#sending.then(() => this.#send(stored));
    this.#sending = sent.catch(() => {});
    return sent;
  }

  async #send(stored: StoredMessage): Promise<void> {
    const s = this.#server.settings;
    const size = stored.payload.length;
    for (;;) {
      if (this.#ended) throw new Error("the session has ended");
      // Room made while the store answered "full" is not missed.
      const room = this.#room + this.#server.room;
      if (this.#server.keep(size)) {
        const seq = await this.#atEpoch((store, epoch) => store.append(this.key, epoch, stored, s.maxReplayMessages, s.maxReplayBytes));
        if (typeof seq === "number") {
          this.#sent = seq;
          this.#counted += size;
          this.stats.sent++;
          // The connection holding the session when it was stored: the
          // one a resume replaced had it in its replay.
          this.#link?.data(stored, seq);
          return;
        }
        // Not kept after all: given back without waking anyone (a "full"
        // session must not wake the others into a loop).
        this.#server.keep(-size);
        if (seq === "full") this.#askForAck();
        // Fenced: the session has ended here (the loop's first check).
        if (seq === FENCED) continue;
      }
      if (room !== this.#room + this.#server.room) continue;
      await new Promise<void>((resolve) => {
        this.#roomWaiters.push(resolve);
        this.#server.waitRoom().then(resolve);
      });
    }
  }

  /** Counts acknowledgements that made room. */
  #room = 0;

  /**
   * A change at the epoch this process holds the session at. Fenced at an
   * epoch a later connection here replaced: tried again at the new one;
   * fenced at the current one: another process holds the session, which
   * ends here (FENCED).
   */
  async #atEpoch<T>(change: (store: SessionStore, epoch: number) => Promise<T | typeof FENCED>): Promise<T | typeof FENCED> {
    for (;;) {
      const epoch = this.#epoch;
      const r = await this.#store((store) => change(store, epoch));
      if (r !== FENCED || this.#ended) return r;
      if (epoch === this.#epoch) {
        this.#lost();
        return FENCED;
      }
    }
  }

  /** Acknowledgements made room: senders waiting for it try again. */
  #wakeSenders(): void {
    this.#room++;
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  /** A store call; a failure (an unreachable store) ends the session here. */
  async #store<T>(call: (store: SessionStore) => Promise<T>): Promise<T | typeof FENCED> {
    try {
      return await call(this.#server.store);
    } catch (e) {
      this.#server.failed(e, this, "the session store failed");
      this.#lost();
      return FENCED;
    }
  }

  /** Ends the session now: its connection is closed (1000) and it cannot be resumed. */
  close(): void {
    if (this.#ended) return;
    this.#link?.ws.close(1000, "session closed");
    void this.#server.store.delete(this.key).catch(() => {});
    this.#end();
  }

  /** Another process holds the session now (or the store lost it): it ends here, its connection superseded. */
  #lost(): void {
    if (this.#ended) return;
    this.#link?.superseded();
    this.#end();
  }

  #end(): void {
    this.#ended = true;
    this.#link = null;
    // What it held in the total cap is no longer this process's to keep.
    this.#server.freed(this.#counted);
    this.#counted = 0;
    if (this.#expiry) clearTimeout(this.#expiry);
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    if (this.#lease) clearInterval(this.#lease);
    this.#server.forget(this);
    for (const wake of this.#roomWaiters.splice(0)) wake();
    this.onend?.(this);
  }

  /** @internal `link` took the session at `record`'s epoch: the welcome and the replay follow. */
  attach(link: Link, record: SessionRecord): void {
    const resumed = this.#link !== null || record.epoch > 1;
    this.#epoch = record.epoch;
    this.#sent = record.sent;
    // A resume acknowledges what the client processed: room for sends.
    if (record.acked > this.#acked) this.#wakeSenders();
    this.#acked = record.acked;
    // What it holds in the total cap, from the store (a resume released
    // what the client processed; another process may have sent more).
    this.#server.freed(this.#counted - record.unackedBytes);
    this.#counted = record.unackedBytes;
    // Client messages another process has processed since: not again.
    this.#inbox = this.#inbox.filter((m) => m.seq > record.processed);
    if (record.processed > this.#processed) this.#processed = this.#queued = record.processed;
    this.#ackSent = record.processed;
    if (resumed) {
      this.stats.resumes++;
      this.stats.replayed += record.unacked.length;
    }
    const previous = this.#link;
    this.#link = link;
    if (previous && previous !== link) previous.superseded();
    if (this.#expiry) {
      clearTimeout(this.#expiry);
      this.#expiry = null;
    }
    // The lease: renewed while a connection holds the session here, so
    // that it outlives a process that dies by sessionTtl only.
    if (!this.#lease) {
      const ttl = this.#server.settings.sessionTtl;
      this.#lease = setInterval(() => void this.#touch(), Math.max(10, ttl / 3));
      (this.#lease as { unref?: () => void }).unref?.();
    }
  }

  async #touch(): Promise<void> {
    await this.#atEpoch((store, epoch) => store.touch(this.key, epoch, this.#server.settings.sessionTtl));
  }

  /** @internal The connection holding the session is gone: the session waits sessionTtl for a resume. */
  detach(link: Link): void {
    if (this.#link !== link) return;
    this.#link = null;
    if (this.#ended) return;
    if (this.#lease) clearInterval(this.#lease);
    this.#lease = null;
    void this.#touch();
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
        await this.onmessage?.(message, this, seq);
      } catch (e) {
        // Processed all the same: reported, never redelivered.
        this.#server.failed(e, this);
      }
      // Recorded before it is acknowledged: a process that dies now has
      // not told the client it may forget the message.
      await this.#atEpoch((store, epoch) => store.processed(this.key, epoch, seq));
      if (this.#ended) break;
      this.#processed = Math.max(this.#processed, seq);
      this.stats.received++;
      this.#scheduleAck();
    }
    this.#busy = false;
  }

  #scheduleAck(): void {
    const due = this.#processed - this.#ackSent;
    if (due <= 0) return;
    if (this.#ackAsked && this.#inbox.length === 0) {
      this.#ackAsked = false;
      return this.flushAck();
    }
    if (due >= this.#server.settings.ackEvery) return this.flushAck();
    this.#ackTimer ??= setTimeout(() => this.flushAck(), this.#server.settings.ackDelay);
  }

  /**
   * @internal The ack to carry on a data frame now, once half of ackEvery
   * messages wait for one (the timer covers fewer), and counts it sent.
   */
  takeAck(least = Math.max(1, Math.floor(this.#server.settings.ackEvery / 2))): number | undefined {
    if (this.#processed - this.#ackSent < least || !this.#link) return undefined;
    this.#ackSent = this.#processed;
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
    return this.#ackSent;
  }

  /**
   * @internal The client's ping asks for the ack due: what is processed is
   * acknowledged now (before the pong), what is still in the inbox as soon
   * as it is.
   */
  ackAsked(): void {
    if (this.#busy || this.#inbox.length > 0) this.#ackAsked = true;
    this.flushAck();
  }

  /** The replay buffer is full: asks the client for its ack with a ping, once until an ack comes. */
  #askForAck(): void {
    if (this.#pinged || this.#acked >= this.#sent || !this.#link) return;
    this.#pinged = true;
    this.#link.write({ type: "ping" });
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
  async acked(ack: number): Promise<boolean> {
    const r = await this.#atEpoch((store, epoch) => store.acked(this.key, epoch, ack));
    if (r === "range") return false;
    if (r === FENCED) return true;
    this.#acked = Math.max(this.#acked, ack);
    this.#pinged = false;
    if (r > 0 || ack > 0) {
      const freed = Math.min(r, this.#counted);
      this.#counted -= freed;
      this.#server.freed(freed);
      this.#wakeSenders();
    }
    return true;
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
    this.#protocol = chosen(ws.protocol).app;
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
   * @internal Server message `seq` on this connection: text as a text frame
   * of its own, binary data with the ack due. One the replay already wrote
   * is not written again; one out of sequence closes the connection (the
   * client resumes and gets a clean replay).
   */
  data(m: StoredMessage, seq: number): void {
    if (this.#closed || !this.#session || seq <= this.#sentSeq) return;
    if (seq !== this.#sentSeq + 1) return this.superseded();
    this.#sentSeq = seq;
    this.#put(m);
  }

  #put(m: StoredMessage): void {
    if (!this.#session) return;
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
    this.#server.claim(this, this.#identity, this.#protocol, frame.resume).then(
      (claimed) => {
        if (claimed === "limited") {
          this.#closed = true;
          return this.ws.close(1013, "too many resume attempts");
        }
        if (claimed === "range") this.#fail("a resume from a sequence never sent");
      },
      () => {
        // The store cannot be reached: try again later.
        this.#closed = true;
        this.ws.close(1013, "sessions unavailable");
      },
    );
  }

  /**
   * @internal The session took this connection (synchronously with that,
   * so that nothing is written before the welcome): the welcome, then the
   * replay of what the client has not acknowledged.
   */
  welcome(session: ServerSession, record: SessionRecord, outcome: Outcome): void {
    if (this.#closed) return session.detach(this);
    this.#session = session;
    this.#nextIn = record.processed + 1;
    this.write({ type: "welcome", outcome, session: session.raw, last: record.processed });
    for (const m of record.unacked) this.#put(m);
    this.#sentSeq = record.sent;
  }

  /** The highest server sequence number written on this connection. */
  #sentSeq = 0;
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

  #ack(session: ServerSession, ack: number): void {
    session.acked(ack).then((known) => known || this.#fail("an acknowledgement of a message never sent"));
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
        if (frame.ack !== undefined) this.#ack(session, frame.ack);
        return this.#message(session, frame.payload.slice());
      case "ack":
        return this.#ack(session, frame.ack);
      // A ping asks for the ack due as well: it goes first.
      case "ping":
        session.ackAsked();
        return this.write({ type: "pong" });
      case "pong":
        return;
      default:
        return this.#fail(`a ${frame.type} after the hello`);
    }
  }
}
