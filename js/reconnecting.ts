// ReconnectingWebSocket: a drop-in for the reconnecting-websocket / partysocket
// class, on the same Rust engine as SteadySocket. The deliberate differences
// are listed in the README.
import { createCore, type Hub, type RawCoreOptions } from "./options.js";
import { KIND, SteadyEvent } from "./events.js";
import { checkUrl, protocolList, resolveUrl } from "./url.js";
import { frameBytes, isBlob } from "./frames.js";
import { FATAL, disposable, endedError, letGo, register, track, type GuardedCore, type Registration } from "./lifetime.js";
import { SEND_OUTCOME } from "./generated/boundary.js";
import type { CloseEventLike, CloseInfo, Listener, ListenerOptions, ProtocolsProvider, ReconnectingWebSocketOptions, UrlSource } from "./types.js";

const SENT = SEND_OUTCOME.indexOf("sent");

/** What readyState, url and extensions are read from. */
interface PlatformSocket {
  readonly readyState: number;
  readonly url?: string;
  readonly extensions?: string;
}

/** The platform socket, closed by close() and reconnect() with the arguments as given. */
type ClosableSocket = PlatformSocket & { close(code?: unknown, reason?: unknown): void };

/** The platform's CloseEvent where the runtime has one (not Node 22), else an Event with its fields. */
function closeEvent(code: number, reason: string, wasClean: boolean): CloseEventLike {
  const Platform = (globalThis as { CloseEvent?: new (type: string, init: object) => CloseEventLike }).CloseEvent;
  if (typeof Platform === "function") return new Platform("close", { code, reason, wasClean });
  return new SteadyEvent("close", { code, reason, wasClean }) as CloseEventLike;
}

/** The platform's MessageEvent where the runtime has one, else an Event with `data`. */
function messageEvent(data: unknown): MessageEvent {
  const Platform = (globalThis as { MessageEvent?: typeof MessageEvent }).MessageEvent;
  if (typeof Platform === "function") return new Platform("message", { data });
  return new SteadyEvent("message", { data }) as MessageEvent;
}

/** The events the drop-in dispatches, as partysocket types them (drop is ours). */
export interface ReconnectingWebSocketEventMap {
  open: Event;
  message: MessageEvent;
  close: CloseEventLike;
  error: Event & { message: string; error?: unknown };
  drop: Event & { data: unknown; reason: string };
}

type Handler<E> = ((this: ReconnectingWebSocket, event: E) => void) | null;

const READY = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
type ReadyState = (typeof READY)[keyof typeof READY];

/** Their option names and the core's. */
const RENAMED: readonly (readonly [string, string])[] = [
  ["WebSocket", "WebSocket"],
  ["minReconnectionDelay", "initialDelay"],
  ["maxReconnectionDelay", "maxDelay"],
  ["reconnectionDelayGrowFactor", "delayGrowFactor"],
  ["minUptime", "minUptime"],
  ["connectionTimeout", "connectionTimeout"],
  ["maxRetries", "maxRetries"],
  ["maxEnqueuedMessages", "maxEnqueuedMessages"],
];

// partysocket's defaults, where they differ from SteadySocket's; the delays
// keep a jitter drawn per attempt ("equal": half the step to the whole).
const THEIR_DEFAULTS: Record<string, unknown> = {
  initialDelay: 3000,
  maxDelay: 10000,
  delayGrowFactor: 1.3,
  connectionTimeout: 4000,
  maxRetries: Infinity,
  // Their queue has no count limit: queued messages stay JS values, bounded
  // by the heap, as theirs are.
  maxEnqueuedMessages: Infinity,
  maxEnqueuedBytes: 2 ** 30,
  maxHeldBytes: 2 ** 30,
  // A send beyond maxEnqueuedMessages is dropped, as theirs is, and
  // reported by a drop event.
  overflow: "drop-newest",
  jitter: "equal",
};

/** Options of theirs that this class has no use for (partysocket's PartySocket passes them down). */
const HANDLED = new Set([...RENAMED.map(([theirs]) => theirs), "startClosed", "debug", "debugLogger", "shouldReconnectOnClose", "closeCodeTable"]);

/** The core's messages about an option, with their name for it. */
function theirNames(e: unknown): unknown {
  if (!(e instanceof TypeError)) return e;
  let message = e.message;
  for (const [theirs, ours] of RENAMED) message = message.replace(new RegExp(`option ${ours}\\b`), `option ${theirs}`);
  return new TypeError(message);
}

/** Their option names, mapped onto the core's, over their defaults. */
function coreOptions(options: Record<string, unknown>): RawCoreOptions {
  const core: RawCoreOptions = { ...THEIR_DEFAULTS };
  for (const [theirs, ours] of RENAMED) if (options[theirs] !== undefined) core[ours] = options[theirs];
  // A default minimum never makes a given maximum invalid: it is capped.
  if (options.minReconnectionDelay === undefined && typeof core.maxDelay === "number" && (core.initialDelay as number) > core.maxDelay) {
    core.initialDelay = core.maxDelay;
  }
  return core;
}

/**
 * close()'s arguments as the platform's WebSocket.close() takes them: the
 * code as a [Clamp] unsigned short (1000 when not given), then 1000 or
 * 3000-4999 or an InvalidAccessError; the reason as a string of at most 123
 * UTF-8 bytes or a SyntaxError. A platform socket that is connecting or open
 * checks them itself (its close() is called first, with the arguments as
 * given), so that ours refuses exactly what the platform refuses; this is the
 * check when there is none. With `checked` (the platform took them), a code
 * that rounds differently here (a tie) falls back to 1000.
 */
function closeArgs(code: unknown, reason: unknown, checked: boolean): { code: number; reason: string } {
  let n = 1000;
  if (code !== undefined) {
    const x = Number(code);
    n = Number.isNaN(x) ? 0 : Math.min(Math.max(x, 0), 65535);
    // Round half to even, as WebIDL's [Clamp] says.
    const floor = Math.floor(n);
    const frac = n - floor;
    n = frac > 0.5 || (frac === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
    if (n !== 1000 && (n < 3000 || n > 4999)) {
      if (checked) n = 1000;
      else throw new DOMException(`close code ${n} is neither 1000 nor in the range 3000-4999`, "InvalidAccessError");
    }
  }
  const text = reason === undefined ? "" : String(reason);
  if (!checked && frameBytes(text) > 123) {
    throw new DOMException("a close reason must be at most 123 bytes of UTF-8", "SyntaxError");
  }
  return { code: n, reason: text };
}

/** A drop-in for reconnecting-websocket / partysocket's class. */
export class ReconnectingWebSocket extends EventTarget {
  static readonly CONNECTING = READY.CONNECTING;
  static readonly OPEN = READY.OPEN;
  static readonly CLOSING = READY.CLOSING;
  static readonly CLOSED = READY.CLOSED;
  readonly CONNECTING = READY.CONNECTING;
  readonly OPEN = READY.OPEN;
  readonly CLOSING = READY.CLOSING;
  readonly CLOSED = READY.CLOSED;

  onopen: Handler<Event> = null;
  onclose: Handler<CloseEventLike> = null;
  onerror: Handler<ReconnectingWebSocketEventMap["error"]> = null;
  onmessage: Handler<MessageEvent> = null;

  #core!: GuardedCore;
  // Holds what the wasm side reaches only weakly (js/options.ts).
  #hub!: Hub;
  // Set by dispose(), or by a trap of the module ([FATAL]).
  #disposed = false;
  #registration!: Registration;
  #source: UrlSource;
  #protocols: string[] | (() => unknown);
  #binaryType: "blob" | "arraybuffer" = "blob";
  // Counted as theirs: -1 before the first attempt, one more per platform
  // socket created, 0 again on open.
  #retryCount = -1;
  #startClosed: boolean;
  // The platform socket of the last attempt: readyState, url and extensions
  // read through it, as theirs do.
  #ws: PlatformSocket | null = null;
  // Set by close() until reconnect(): readyState reads CLOSED, and what the
  // engine reports about the socket being closed is not dispatched (the
  // close event went out from close() itself).
  #closeCalled = false;
  // Messages sent after close(): delivered if reconnect() is called, as theirs.
  #afterClose: unknown[] = [];
  #warnedClosedSend = false;
  #log: ((...args: unknown[]) => void) | null;
  #ignored = new Set<string>();
  // Their retry count: one more per connection attempt begun (the first,
  // and each one after a close), 0 again once a connection has stayed up
  // minUptime. A close that will be retried counts at once, so that the
  // close handler sees the count of the attempt to come, as theirs does.
  #maxRetries: number;
  #minUptime: number;
  #uptime: ReturnType<typeof setTimeout> | null = null;
  #countedAtClose = false;
  #willRetry = true;
  // reconnect() starts the attempt on a microtask, as theirs resolves its
  // URL first; sends meanwhile wait with those made after close().
  #reconnecting = false;
  // Whether the close of the current platform socket was dispatched: theirs
  // dispatches it (before the error) when an error ends an attempt, and
  // then nothing more about that socket.
  #closeReported = false;

  constructor(url: UrlSource, protocols?: ProtocolsProvider, options: ReconnectingWebSocketOptions = {}) {
    super();
    checkUrl(url);
    if (options === null || typeof options !== "object") throw new TypeError("options must be an object");
    this.#source = url;
    // A list is checked now; a provider is asked before every attempt.
    this.#protocols = typeof protocols === "function" ? protocols : protocolList(protocols);
    this.#startClosed = options.startClosed === true;
    this.#maxRetries = typeof options.maxRetries === "number" ? options.maxRetries : Infinity;
    this.#minUptime = typeof options.minUptime === "number" ? options.minUptime : 5000;
    const logger = typeof options.debugLogger === "function" ? options.debugLogger : console.log.bind(console);
    this.#log = options.debug === true ? logger : null;
    const all = options as Record<string, unknown>;
    for (const key of Object.keys(all)) {
      if (!HANDLED.has(key)) this.#debug("ignoring option", key);
    }
    const core = coreOptions(all);
    // Their close handling: reconnect after any close the app did not ask
    // for, unless shouldReconnectOnClose says no; closeCodeTable: true takes
    // SteadySocket's table of codes instead.
    const hook = options.shouldReconnectOnClose;
    if (options.closeCodeTable !== true) {
      core.shouldReconnect = (close: CloseInfo) => {
        this.#willRetry = typeof hook === "function" ? hook(closeEvent(close.code, close.reason, close.wasClean)) !== false : true;
        return this.#willRetry;
      };
    }
    try {
      const created = createCore(core, (kind, a, b) => this.#on(kind, a, b));
      this.#core = created.core;
      this.#hub = created.hub;
      this.#hub.onSocket = (ws) => this.#connecting(ws as PlatformSocket);
      this.#registration = register(this);
    } catch (e) {
      throw theirNames(e);
    }
    if (!this.#startClosed) {
      // The attempt counts now, as theirs does; the socket starts on a
      // microtask, once the constructor's caller has attached its listeners.
      this.#beginConnect();
      queueMicrotask(() => {
        if (this.#disposed || this.#core.state !== "idle") return;
        this.#core.start();
      });
    }
  }

  addEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: (this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: any, options?: boolean | ListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  removeEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: (this: ReconnectingWebSocket, event: ReconnectingWebSocketEventMap[K]) => void,
    options?: boolean | { capture?: boolean },
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: boolean | { capture?: boolean }): void;
  removeEventListener(type: string, listener: any, options?: boolean | { capture?: boolean }): void {
    super.removeEventListener(type, listener, options);
  }

  get readyState(): ReadyState {
    if (this.#disposed || this.#closeCalled) return READY.CLOSED;
    if (this.#ws) return this.#ws.readyState as ReadyState;
    return this.#startClosed ? READY.CLOSED : READY.CONNECTING;
  }

  /** The platform socket's URL (as it normalised it), "" before the first attempt. */
  get url(): string {
    return this.#ws?.url ?? "";
  }

  /** Whether it reconnects: true until close(), and again after reconnect(). */
  get shouldReconnect(): boolean {
    return !this.#closeCalled && !this.#disposed;
  }

  get protocol(): string {
    return this.#disposed ? "" : this.#core.protocol;
  }

  get extensions(): string {
    return this.#ws?.extensions ?? "";
  }

  get binaryType(): "blob" | "arraybuffer" {
    return this.#binaryType;
  }

  set binaryType(value: "blob" | "arraybuffer") {
    if (value !== "blob" && value !== "arraybuffer") throw new TypeError(`binaryType must be "blob" or "arraybuffer"`);
    this.#binaryType = value;
  }

  /** Bytes buffered by the socket plus bytes waiting in the queue (and those sent after close()). */
  get bufferedAmount(): number {
    if (this.#disposed) return 0;
    let waiting = 0;
    for (const data of this.#afterClose) waiting += Math.max(frameBytes(data), 0);
    return this.#core.bufferedAmount + this.#core.outboxBytes + waiting;
  }

  get retryCount(): number {
    return Math.max(this.#retryCount, 0);
  }

  /**
   * Sends now (true) or queues (false) while not open, as theirs does: a
   * queue that is full drops the message (a drop event says so), and after
   * close() it waits for reconnect(). Never throws but after dispose().
   */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): boolean {
    if (this.#disposed) throw endedError(data);
    if (this.#closeCalled || this.#reconnecting) {
      if (this.#closeCalled && !this.#warnedClosedSend) {
        this.#warnedClosedSend = true;
        console.warn("ReconnectingWebSocket: a message sent after close() waits for reconnect(); it is lost if this socket is dropped.");
      }
      this.#debug("enqueue", data);
      this.#afterClose.push(data);
      return false;
    }
    const open = this.#ws?.readyState === READY.OPEN;
    this.#debug(open ? "send" : "enqueue", data);
    if (this.#hub.sender?.send(data)) return true;
    return this.#toCore(data) && open;
  }

  /**
   * Hands `data` to the engine: true if it went to the socket at once. A
   * refusal (too large for any queue) is reported by a drop event, never
   * thrown, as theirs drops it.
   */
  #toCore(data: unknown): boolean {
    try {
      return this.#core.send(data, frameBytes(data)) === SENT;
    } catch (e) {
      this.#fire("drop", new SteadyEvent("drop", { data, reason: (e as { code?: string }).code ?? "refused" }));
      return false;
    }
  }

  /**
   * Ours: what the options became, under SteadySocket's option names, in
   * milliseconds and bytes (see SteadySocket's configSnapshot()).
   */
  configSnapshot(): Record<string, unknown> {
    if (this.#disposed) throw endedError();
    return this.#core.configSnapshot();
  }

  /** Takes the messages that were queued and not sent yet out of the queue. */
  drainQueuedMessages(): unknown[] {
    if (this.#disposed) return [];
    return [...this.#core.drainOutbox(), ...this.#afterClose.splice(0)];
  }

  /**
   * Closes for good (until reconnect()). With a platform socket connecting
   * or open, its close event is dispatched now, with the code given, and
   * readyState reads CLOSED; before there is one, nothing is dispatched.
   * The code and reason are coerced and refused as the platform's close()
   * does (an InvalidAccessError or SyntaxError, and nothing changes).
   */
  close(code?: number, reason?: string): void {
    if (this.#disposed || this.#closeCalled) {
      closeArgs(code, reason, false);
      return;
    }
    const live = this.#live();
    const close = live ? this.#closePlatform(code, reason, false) : closeArgs(code, reason, false);
    this.#closeCalled = true;
    this.#core.close(close.code, close.reason);
    this.#reconnecting = false;
    this.#stopUptime();
    if (live) {
      this.#debug("close event");
      this.#fire("close", closeEvent(close.code, close.reason, true));
    }
  }

  /**
   * Closes the current socket, if any, with `code` and `reason` (1000 when
   * not given; coerced and refused as close() does) and connects again; the
   * retry count starts again. A socket connecting or open reports its close
   * now, as close() does, and readyState reads CLOSING until the new socket
   * exists.
   */
  reconnect(code?: number, reason?: string): void {
    if (this.#disposed) throw endedError();
    const live = this.#live();
    // Whether an earlier reconnect() has its attempt still to start.
    const pending = this.#reconnecting;
    const close = live ? this.#closePlatform(code, reason, true) : closeArgs(code, reason, false);
    this.#closeCalled = false;
    this.#warnedClosedSend = false;
    this.#retryCount = -1;
    this.#stopUptime();
    this.#countedAtClose = false;
    this.#reconnecting = true;
    if (live) this.#reportClose(close.code, close.reason, true);
    if (pending) return;
    queueMicrotask(() => {
      if (this.#disposed || !this.#reconnecting) return;
      this.#reconnecting = false;
      if (!this.#countedAtClose) this.#beginConnect();
      this.#countedAtClose = false;
      this.#core.reconnect();
      for (const data of this.#afterClose.splice(0)) this.#toCore(data);
    });
  }

  /**
   * Closes the live platform socket with the arguments as given: it checks
   * them and throws as its close() does, and then nothing has changed. What
   * the engine reports meanwhile (a socket closed while connecting may report
   * at once) is not dispatched: close() (or reconnect()) reports the close.
   */
  #closePlatform(code: unknown, reason: unknown, reconnecting: boolean): { code: number; reason: string } {
    const [closeCalled, wasReconnecting] = [this.#closeCalled, this.#reconnecting];
    if (reconnecting) this.#reconnecting = true;
    else this.#closeCalled = true;
    try {
      (this.#ws as ClosableSocket).close(code, reason);
    } catch (e) {
      [this.#closeCalled, this.#reconnecting] = [closeCalled, wasReconnecting];
      throw e;
    }
    return closeArgs(code, reason, true);
  }

  /** Whether the platform socket of the last attempt is connecting or open (and not closed by close()). */
  #live(): boolean {
    return this.#ws !== null && this.#ws.readyState <= READY.OPEN && !this.#closeCalled;
  }

  /** The same as dispose(): `using socket = new ReconnectingWebSocket(...)` disposes it at the end of the block. */
  declare [Symbol.dispose]: () => void;

  /** Closes the socket and frees it, every listener and timer now (not in their API). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopUptime();
    letGo(this, this.#core, this.#hub, this.#registration);
  }

  /** @internal The module trapped: an error, then a close, for good (platform socket too). */
  [FATAL](error: Error): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopUptime();
    letGo(this, this.#core, this.#hub, this.#registration);
    this.#fire("error", new SteadyEvent("error", { message: error.message, error }));
    this.#fire("close", new SteadyEvent("close", { code: 1006, reason: error.message, wasClean: false }));
  }


  /** A line of the debug log, when debug is on: "RWS>" and what happened. */
  #debug(...args: unknown[]): void {
    if (this.#log === null) return;
    if (args[0] === "ignoring option") {
      if (this.#ignored.has(args[1] as string)) return;
      this.#ignored.add(args[1] as string);
    }
    this.#log("RWS>", ...args);
  }

  /** A connection attempt begins (counted as theirs: see #retryCount). */
  #beginConnect(): void {
    if (this.#retryCount >= this.#maxRetries) {
      this.#debug("max retries reached", this.#retryCount, ">=", this.#maxRetries);
      return;
    }
    this.#retryCount++;
    this.#debug("connect", this.#retryCount);
  }

  /** A platform socket was created for an attempt. */
  #connecting(ws: PlatformSocket): void {
    this.#ws = ws;
    this.#closeReported = false;
    this.#debug("connect", { url: (ws as { url?: string }).url ?? "", protocols: this.#protocols });
  }

  /** Dispatches the current socket's close, counting the retry that follows. */
  #reportClose(code: number, reason: string, wasClean: boolean): void {
    this.#closeReported = true;
    this.#stopUptime();
    this.#debug("close event");
    if (this.#willRetry && this.#retryCount < this.#maxRetries) {
      this.#beginConnect();
      this.#countedAtClose = true;
    } else if (this.#willRetry) {
      this.#debug("max retries reached", this.#retryCount, ">=", this.#maxRetries);
    }
    this.#willRetry = true;
    this.#fire("close", closeEvent(code, reason, wasClean));
  }

  #stopUptime(): void {
    if (this.#uptime !== null) clearTimeout(this.#uptime);
    this.#uptime = null;
  }

  #fire(type: "open" | "close" | "error" | "message" | "drop", event: Event): void {
    const handler = (this as unknown as Record<string, unknown>)[`on${type}`] as Handler<Event> | undefined;
    if (typeof handler === "function") {
      try {
        handler.call(this, event);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    this.dispatchEvent(event);
  }

  #on(kind: number, a: any, b: any): void {
    // After close(), what the engine says about the socket it closes is not
    // dispatched: the close event went out from close().
    // Between reconnect() and the new attempt, what it says is about the
    // socket reconnect() closed, whose close went out already.
    if ((this.#closeCalled || this.#reconnecting) && kind !== KIND.STATE && kind !== KIND.RESOLVE && kind !== KIND.DROP) return;
    switch (kind) {
      case KIND.MESSAGE: {
        const data = typeof a !== "string" && this.#binaryType === "blob" && typeof Blob !== "undefined" ? new Blob([a]) : a;
        this.#debug("message event");
        return this.#fire("message", messageEvent(data));
      }
      case KIND.STATE:
        return track(this, a);
      case KIND.OPEN:
        this.#stopUptime();
        // Up for minUptime: the retry count starts again.
        this.#uptime = setTimeout(() => {
          this.#uptime = null;
          this.#retryCount = 0;
        }, this.#minUptime);
        this.#debug("open event");
        return this.#fire("open", new SteadyEvent("open"));
      case KIND.CLOSE:
        if (this.#closeReported) return;
        return this.#reportClose(a.code, a.reason, a.wasClean);
      case KIND.ERROR: {
        // An error ends the platform socket's part, as theirs: it is closed,
        // its close reported first (1006), then the error.
        const ws = this.#ws as (PlatformSocket & { close?: () => void }) | null;
        if (ws && !this.#closeReported) {
          if (ws.readyState <= READY.OPEN) {
            try {
              ws.close?.();
            } catch {
              // Closing already.
            }
          }
          // Theirs closes a timed-out attempt with the reason "timeout".
          this.#reportClose(1006, a.kind === "connect-timeout" ? "timeout" : "", false);
        }
        this.#debug("error event", a.message);
        return this.#fire("error", new SteadyEvent("error", { message: a.message }));
      }
      case KIND.RECONNECTING:
        // A failed attempt (no close event before it) begins the next here.
        if (!this.#countedAtClose) this.#beginConnect();
        this.#countedAtClose = false;
        this.#debug("next delay", a.delay);
        return;
      case KIND.GIVE_UP:
        this.#debug("max retries reached", this.retryCount);
        return;
      case KIND.RESOLVE:
        return resolveUrl(this.#core, this.#source, a, b, this.#protocols);
      case KIND.DROP:
        return this.#fire("drop", new SteadyEvent("drop", { id: a.id, data: a.data, reason: a.reason }));
      case KIND.TOO_LARGE:
        return this.#fire("error", new SteadyEvent("error", { message: `a ${b}-byte ${a} message exceeds the 16 MiB limit` }));
      case KIND.UNREADABLE:
        return this.#fire("error", new SteadyEvent("error", { message: `cannot read ${a}` }));
    }
  }
}

disposable(ReconnectingWebSocket);
