// SteadySocket: the JS API. A thin shell over SocketCore (the Rust engine):
// it encodes and decodes, dispatches events and serves async iteration. It
// holds no connection logic.
import { checkClose, createCore, type Hub, type RawCoreOptions } from "./options.js";
import { codecFor, preview } from "./codecs.js";
import { KIND, MessageEventLike, messageOf, refusedWith, reportError, SteadyEvent, SteadySocketError } from "./events.js";
import { checkUrl, protocolList, resolveUrl } from "./url.js";
import { SEND_OUTCOME, type SendOutcome } from "./generated/boundary.js";
import { frameBytes } from "./frames.js";
import { Later } from "./early.js";
import { LOADER, type WasmModule } from "./load.js";
import { FATAL, disposable, endedError, letGo, register, track, type GuardedCore, type Registration } from "./lifetime.js";
import type { CloseInfo, CodecObject, Listener, ListenerOptions, ResumeStats, State, SteadySocketEventMap, SteadySocketOptions, UrlSource } from "./types.js";


/** One `for await` loop's end of the socket. */
interface Sink<In> {
  push(message: In): void;
  end(failure?: Error): void;
}

type Check = (state: State) => { value?: undefined; error?: unknown } | undefined;

/** A reconnecting WebSocket carrying typed messages: In received, Out sent. */
export class SteadySocket<In = unknown, Out = In> extends EventTarget implements AsyncIterable<In> {
  #core: GuardedCore;
  // Holds what the wasm side reaches only weakly (js/options.ts).
  #hub: Hub;
  // Set by dispose(), or by a trap of the module ([FATAL]).
  #disposed = false;
  #registration: Registration;
  // The last state dispatched; "closed" is dispatched once.
  #state: State = "idle";
  #inHandshake = false;
  #codec: CodecObject;
  // The codec's own wasm module (MessagePack's), while it has not loaded.
  #codecModule: WasmModule | null;
  #url: UrlSource;
  #protocols: string[];
  #iterators = new Set<Sink<In>>();
  #waiters = new Set<(state: State) => void>();
  // How many "message" listeners were added (and not removed): with none, the
  // per-message event is not built at all (for await needs no event).
  #messageListeners = 0;
  #callbacks = new Set<(message: In) => void>();
  // sendAcked() promises by message id (0: not handed to the engine yet).
  #acks = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  // sendAcked() promises whose message waits for the module to load (no id yet).
  #unnumbered = new Set<{ resolve: () => void; reject: (e: Error) => void }>();
  #resume: boolean;

  constructor(url: UrlSource, options: SteadySocketOptions<Out> = {}) {
    super();
    checkUrl(url);
    if (options === null || typeof options !== "object") {
      throw new TypeError(`options must be an object, got ${options === null ? "null" : typeof options}`);
    }
    const { codec, startClosed = false, ...rest } = options;
    const core = rest as RawCoreOptions;
    if (typeof startClosed !== "boolean") throw new TypeError("option startClosed must be true or false");
    this.#codec = codecFor(codec);
    const module = (this.#codec as { [LOADER]?: WasmModule })[LOADER];
    this.#codecModule = module && !module.loadSync() ? module : null;
    this.#url = url;
    this.#protocols = protocolList(core.protocols);
    this.#resume = core.resume !== undefined && core.resume !== false;
    // Hooks run inside the engine: one that throws is reported, and the
    // default verdict applies (shouldReconnect) or nothing is sent (handshake).
    if (typeof rest.handshake === "function") {
      const handshake = rest.handshake;
      core.handshake = () => {
        this.#inHandshake = true;
        try {
          return ([] as Out[]).concat(handshake() ?? []).map((m) => this.#codec.encode(m));
        } catch (e) {
          this.#hookFailed("handshake", e);
          return [];
        } finally {
          this.#inHandshake = false;
        }
      };
    }
    if (typeof rest.shouldReconnect === "function") {
      const shouldReconnect = rest.shouldReconnect;
      core.shouldReconnect = (close: CloseInfo) => {
        try {
          return shouldReconnect(close);
        } catch (e) {
          this.#hookFailed("shouldReconnect", e);
        }
      };
    }
    const { core: socketCore, hub } = createCore(core, (kind, a, b) => this.#on(kind, a, b), this.#codecModule?.load());
    this.#core = socketCore;
    this.#hub = hub;
    this.#registration = register(this);
    // Start on a microtask: listeners added right after construction see
    // every event, as with the platform WebSocket.
    if (!startClosed) queueMicrotask(() => !this.#disposed && this.#core.state === "idle" && this.#core.start());
  }

  addEventListener<K extends keyof SteadySocketEventMap<In, Out>>(type: K, listener: Listener<SteadySocketEventMap<In, Out>[K]>, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: any, options?: boolean | ListenerOptions): void {
    if (type === "message" && listener) this.#messageListeners++;
    super.addEventListener(type, listener, options);
  }

  removeEventListener<K extends keyof SteadySocketEventMap<In, Out>>(type: K, listener: Listener<SteadySocketEventMap<In, Out>[K]>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: string, listener: any, options?: boolean | { capture?: boolean }): void {
    if (type === "message" && listener && this.#messageListeners > 0) this.#messageListeners--;
    super.removeEventListener(type, listener, options);
  }

  /**
   * Calls `callback(message)` for every decoded message, with no event object
   * in between: the cheapest way to receive. Returns a function that stops it.
   */
  onMessage(callback: (message: In) => void): () => void {
    if (typeof callback !== "function") throw new TypeError("onMessage takes a function");
    const entry = (m: In) => callback(m);
    this.#callbacks.add(entry);
    return () => this.#callbacks.delete(entry);
  }

  /**
   * What the options became: the engine's configuration under the option
   * names, in their units (milliseconds, bytes), defaults filled in.
   */
  configSnapshot(): Record<string, unknown> {
    if (this.#disposed) throw endedError();
    return this.#core.configSnapshot();
  }

  /** "idle", "connecting", "open", "closing", "waiting", "paused" or "closed". */
  get state(): State {
    if (this.#disposed) return "closed";
    // The engine is busy inside the hook, and the socket is open.
    if (this.#inHandshake) return "open";
    return this.#core.state as State;
  }

  get protocol(): string {
    return this.#disposed ? "" : this.#core.protocol;
  }

  /** Bytes buffered by the open socket plus bytes waiting in the outbox. */
  get bufferedAmount(): number {
    return this.#disposed ? 0 : this.#core.bufferedAmount + this.#core.outboxBytes;
  }

  /** Queued messages (decoded), oldest first. */
  get outbox(): Out[] {
    return this.#disposed ? [] : this.#core.outbox().map((d) => this.#decodeOr(d) as Out);
  }

  /** Takes the queued messages out; they will not be sent. */
  drainOutbox(): Out[] {
    return this.#disposed ? [] : this.#core.drainOutbox().map((d) => this.#decodeOr(d) as Out);
  }

  /** Sends now or queues: returns "sent", "queued" or "dropped" (drop-newest). Throws a SteadySocketError when refused. */
  send(message: Out): SendOutcome {
    if (this.#disposed) throw endedError(message);
    const data = this.#encode(message);
    if (!(data instanceof Later) && this.#hub.sender?.send(data)) return "sent";
    try {
      return SEND_OUTCOME[this.#core.send(data, sizeOf(data))];
    } catch (e) {
      throw refusedWith(e, message);
    }
  }

  /**
   * The message as its codec encodes it, or, while the codec's own module
   * loads, a Later that the hand-over to the engine encodes. Throws a
   * SteadySocketError ("encode").
   */
  #encode(message: Out): unknown {
    if (this.#codecModule !== null) {
      if (!this.#codecModule.ready) return new Later(message, () => this.#codec.encode(message));
      this.#codecModule = null;
    }
    try {
      return this.#codec.encode(message);
    } catch (e) {
      throw new SteadySocketError("encode", `cannot encode the message: ${messageOf(e)}`, message);
    }
  }

  /**
   * With the resume option: sends (or queues) `message` like send(), and
   * resolves once the server has acknowledged it, that is, once the
   * server's application has processed it. Rejects when it is dropped (a
   * full outbox, expiry, a resync: SteadySocketError "dropped"), when the
   * socket is disposed or closes for good first, when the server does not
   * speak the resume protocol ("no-resume"), and as send() throws.
   */
  sendAcked(message: Out): Promise<void> {
    if (this.#disposed) return Promise.reject(endedError(message));
    if (!this.#resume) return Promise.reject(new SteadySocketError("no-resume", "sendAcked() needs the resume option", message));
    if (this.#core.state === "open" && this.#core.resumeStats?.live === false) return Promise.reject(noResume(message));
    let data: unknown;
    try {
      data = this.#encode(message);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      const entry = { resolve, reject };
      // Before the module has loaded, the id comes at the hand-over.
      const later = (id: number, refusal?: Error) => {
        if (!this.#unnumbered.delete(entry)) return;
        if (refusal) return reject(refusal);
        this.#acks.set(id, entry);
      };
      let outcome: number, id: number;
      try {
        [outcome, id] = this.#core.sendAcked(data, sizeOf(data), later);
      } catch (e) {
        return reject(refusedWith(e, message));
      }
      if (SEND_OUTCOME[outcome] === "dropped") reject(new SteadySocketError("dropped", "the message was dropped (overflow)", message));
      else if (id !== 0) this.#acks.set(id, entry);
      else this.#unnumbered.add(entry);
    });
  }

  /** With the resume option: the session's counters; else undefined. */
  get resumeStats(): ResumeStats | undefined {
    return this.#disposed ? undefined : this.#core.resumeStats;
  }

  /** Settles the sendAcked() promises up to `through`, or rejects them all (`error`). */
  #settleAcks(through: number, error?: Error): void {
    if (error) {
      for (const entry of this.#unnumbered) entry.reject(error);
      this.#unnumbered.clear();
    }
    for (const [id, entry] of this.#acks) {
      if (error) entry.reject(error);
      else if (id <= through) entry.resolve();
      else continue;
      this.#acks.delete(id);
    }
  }

  /** Resolves once open; rejects if the socket closes for good first. */
  opened(): Promise<void> {
    return this.#until((state) => {
      if (state === "open") return { value: undefined };
      if (this.#disposed) return { error: endedError() };
      if (state === "closed") return { error: new SteadySocketError("closed", this.#core.closedReason ?? "closed") };
    });
  }

  /** Closes for good and resolves once closed. Rejects with a RangeError for a bad code or reason. */
  close(code: number = 1000, reason: string = ""): Promise<void> {
    try {
      checkClose(code, reason);
      if (this.#disposed) return Promise.resolve();
      this.#core.close(code, reason);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#until((state) => (state === "closed" ? { value: undefined } : undefined));
  }

  /** Connects again now, from any state: after close(), after giving up, while waiting. */
  reconnect(): void {
    if (this.#disposed) throw endedError();
    this.#core.reconnect();
  }

  /**
   * Closes the socket and frees it, its listeners and timers now: opened()
   * rejects ("disposed"), close() resolves, iterators end, and "closed" is
   * dispatched unless it already was. send() and reconnect() throw after it.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    letGo(this, this.#core, this.#hub, this.#registration);
    this.#settleAcks(0, endedError());
    this.#setState("closed");
    this.#endIterators();
  }

  /** @internal The module trapped: a fatal error, and closed for good (platform socket too). */
  [FATAL](error: Error): void {
    if (this.#disposed) return;
    this.#disposed = true;
    letGo(this, this.#core, this.#hub, this.#registration);
    this.#emit("error", { message: error.message, error, fatal: true });
    this.#setState("closed");
    this.#endIterators();
  }

  /** The same as dispose(): `using socket = new SteadySocket(...)` disposes it at the end of the block. */
  declare [Symbol.dispose]: () => void;

  [Symbol.asyncIterator](): AsyncIterator<In> & AsyncIterable<In> {
    const iterators = this.#iterators;
    const queue: In[] = [];
    // next() calls waiting for a message, oldest first.
    const waiting: { resolve: (result: IteratorResult<In>) => void; reject: (error: Error) => void }[] = [];
    let done = this.state === "closed";
    // Why the socket closed for good, when that is a failure: handed out
    // once, as the rejection of the next() after the queued messages.
    let failure: Error | null = done ? this.#failure() : null;
    const finish = (): Promise<IteratorResult<In>> => {
      const error = failure;
      failure = null;
      return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
    };
    const sink: Sink<In> = {
      push(message) {
        const next = waiting.shift();
        if (next) next.resolve({ value: message, done: false });
        else queue.push(message);
      },
      // No more messages: it leaves the socket's set, so nothing is buffered
      // for it any more (a later reconnect() would otherwise fill it).
      end(error) {
        done = true;
        failure = error ?? null;
        iterators.delete(sink);
        for (const next of waiting.splice(0)) finish().then(next.resolve, next.reject);
      },
    };
    if (!done) iterators.add(sink);
    return {
      next: (): Promise<IteratorResult<In>> => {
        if (queue.length) return Promise.resolve({ value: queue.shift() as In, done: false });
        if (done) return finish();
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      return: (): Promise<IteratorResult<In>> => {
        queue.length = 0;
        sink.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  #until(check: Check): Promise<void> {
    const now = check(this.state);
    if (now) return now.error ? Promise.reject(now.error) : Promise.resolve(now.value);
    return new Promise((resolve, reject) => {
      const waiter = (state: State) => {
        const r = check(state);
        if (!r) return;
        this.#waiters.delete(waiter);
        if (r.error) reject(r.error);
        else resolve(r.value);
      };
      this.#waiters.add(waiter);
    });
  }

  /** Ends the loops: quietly, or (closed for good in failure) with the reason. */
  #endIterators(): void {
    if (this.#iterators.size === 0) return;
    const failure = this.#failure();
    for (const sink of [...this.#iterators]) sink.end(failure ?? undefined);
  }

  /** Why the socket closed for good, when that is a failure (see closedFailure); never after dispose(). */
  #failure(): SteadySocketError | null {
    if (this.#disposed) return null;
    const reason = this.#core.closedFailure;
    return reason === undefined ? null : new SteadySocketError("closed", reason);
  }

  /** Dispatches a state change once, settles waiters, tracks liveness. */
  #setState(state: State): void {
    track(this, this.#disposed ? "closed" : state);
    if (state === this.#state) return;
    this.#state = state;
    this.#emit("state", { state });
    for (const waiter of [...this.#waiters]) waiter(state);
    if (state === "closed") {
      this.#endIterators();
      if (this.#acks.size || this.#unnumbered.size) this.#settleAcks(0, this.#disposed ? endedError() : new SteadySocketError("closed", this.#core.closedReason ?? "closed"));
    }
  }

  /** A hook threw: reported as an error event once the engine is done. */
  #hookFailed(hook: string, e: unknown): void {
    queueMicrotask(() => this.#emit("error", { message: `${hook} threw: ${messageOf(e)}`, error: e }));
  }

  #decodeOr(data: string | ArrayBuffer | Later): unknown {
    if (data instanceof Later) return data.message;
    try {
      return this.#codec.decode(data);
    } catch {
      return data;
    }
  }

  #emit(type: string, fields: object): void {
    this.dispatchEvent(new SteadyEvent(type, fields));
  }

  #on(kind: number, a: any, b: any): void {
    switch (kind) {
      case KIND.MESSAGE: {
        let data: In;
        try {
          data = this.#codec.decode(a) as In;
        } catch (error) {
          return this.#emit("decode-error", { error, kind: typeof a === "string" ? "text" : "binary", preview: preview(a) });
        }
        for (const callback of this.#callbacks) {
          try {
            callback(data);
          } catch (e) {
            reportError(e);
          }
        }
        if (this.#messageListeners > 0) this.dispatchEvent(new MessageEventLike(data));
        for (const sink of this.#iterators) sink.push(data);
        return;
      }
      case KIND.STATE:
        return this.#setState(a);
      case KIND.OPEN:
        // A server that did not pick the resume protocol acknowledges nothing.
        if (this.#acks.size && this.#core.resumeStats?.live === false) this.#settleAcks(0, noResume());
        return this.#emit("open", { protocol: a.protocol });
      case KIND.ACKED:
        return this.#settleAcks(a);
      case KIND.RESYNC:
        return this.#emit("resync", {});
      case KIND.CLOSE:
        return this.#emit("close", a);
      case KIND.ERROR:
        return this.#emit("error", { message: a.message, kind: a.kind });
      case KIND.RECONNECTING:
        return this.#emit("reconnecting", a);
      case KIND.GIVE_UP:
        return this.#emit("giveup", { reason: a });
      case KIND.DROP: {
        const entry = this.#acks.get(a.id);
        if (entry) {
          this.#acks.delete(a.id);
          entry.reject(new SteadySocketError("dropped", `the message was dropped (${a.reason})`, this.#decodeOr(a.data)));
        }
        return this.#emit("drop", { id: a.id, data: this.#decodeOr(a.data), reason: a.reason, ...(a.error && { error: a.error }) });
      }
      case KIND.HEARTBEAT:
        return this.#emit("heartbeat", { rtt: a });
      case KIND.RESOLVE:
        return resolveUrl(this.#core, this.#url, a, b, this.#protocols);
      case KIND.TOO_LARGE:
        return this.#emit("decode-error", {
          error: new SteadySocketError("too-large", `a ${b}-byte ${a} frame exceeds maxMessageSize`),
          kind: a,
          preview: "",
        });
      case KIND.UNREADABLE:
        return this.#emit("decode-error", { error: new SteadySocketError("unreadable", `cannot read ${a}`), kind: "unknown", preview: "" });
    }
  }
}

/** An encoded message's size for the engine; -1 for a Later, measured once encoded. */
const sizeOf = (data: unknown): number => (data instanceof Later ? -1 : frameBytes(data));

/** A sendAcked() whose server does not speak the resume protocol. */
function noResume(message?: unknown): SteadySocketError {
  return new SteadySocketError("no-resume", "the server did not pick the resume protocol, so nothing acknowledges messages", message);
}

disposable(SteadySocket);
