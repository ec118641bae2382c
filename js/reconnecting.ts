// ReconnectingWebSocket: a drop-in for the reconnecting-websocket / partysocket
// class, on the same Rust engine as SteadySocket. The deliberate differences
// are listed in the README.
import { createCore, type Hub, type RawCoreOptions } from "./options.js";
import { KIND, SteadyEvent, SteadySocketError } from "./events.js";
import { checkUrl, protocolList, resolveUrl } from "./url.js";
import { frameBytes, isBlob, type DirectSend } from "./frames.js";
import { FATAL, endedError, letGo, register, track, type GuardedCore, type Registration } from "./lifetime.js";
import type { ReconnectingWebSocketOptions, UrlSource } from "./types.js";

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

/** The core's messages about an option, with their name for it. */
function theirNames(e: unknown): unknown {
  if (!(e instanceof TypeError)) return e;
  let message = e.message;
  for (const [theirs, ours] of RENAMED) message = message.replace(new RegExp(`option ${ours}\\b`), `option ${theirs}`);
  return new TypeError(message);
}

/** Their option names, mapped onto the core's. */
function coreOptions(options: Record<string, unknown>): RawCoreOptions {
  const known = new Set([
    "WebSocket",
    "minReconnectionDelay",
    "maxReconnectionDelay",
    "reconnectionDelayGrowFactor",
    "minUptime",
    "connectionTimeout",
    "maxRetries",
    "maxEnqueuedMessages",
    "startClosed",
    "debug",
  ]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`unknown option ${JSON.stringify(key)}; the options are: ${[...known].join(", ")}`);
  }
  const core: RawCoreOptions = {};
  for (const [theirs, ours] of RENAMED) if (options[theirs] !== undefined) core[ours] = options[theirs];
  // Their delays grow by a factor from a minimum: keep that shape, with the
  // jitter drawn per attempt (theirs is drawn once per page).
  if (options.minReconnectionDelay !== undefined || options.reconnectionDelayGrowFactor !== undefined) {
    core.jitter = "equal";
  }
  return core;
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
  onclose: Handler<Event & { code: number; reason: string; wasClean: boolean }> = null;
  onerror: Handler<Event & { message: string }> = null;
  onmessage: Handler<Event & { data: string | ArrayBuffer | Blob }> = null;

  #core!: GuardedCore;
  #direct!: DirectSend;
  // Holds what the wasm side reaches only weakly (js/options.ts).
  #hub!: Hub;
  // Set by dispose(), or by a trap of the module ([FATAL]).
  #disposed = false;
  #registration!: Registration;
  #source: UrlSource;
  #protocols: string[];
  #url = "";
  #binaryType: "blob" | "arraybuffer" = "blob";
  #retryCount = 0;
  #debug: boolean;
  #startClosed: boolean;

  constructor(url: UrlSource, protocols?: string | string[] | null, options: ReconnectingWebSocketOptions = {}) {
    super();
    checkUrl(url);
    if (options === null || typeof options !== "object") throw new TypeError("options must be an object");
    this.#source = url;
    this.#protocols = protocolList(protocols);
    this.#debug = options.debug === true;
    this.#startClosed = options.startClosed === true;
    try {
      const { core, sender, hub } = createCore(coreOptions(options as Record<string, unknown>), (kind, a, b) => this.#on(kind, a, b));
      this.#core = core;
      this.#direct = sender;
      this.#hub = hub;
      this.#registration = register(this);
    } catch (e) {
      throw theirNames(e);
    }
    if (!this.#startClosed) queueMicrotask(() => !this.#disposed && this.#core.state === "idle" && this.#core.start());
  }

  get readyState(): ReadyState {
    if (this.#disposed) return READY.CLOSED;
    switch (this.#core.state) {
      case "open":
        return READY.OPEN;
      case "closing":
        return READY.CLOSING;
      case "closed":
        return READY.CLOSED;
      case "idle":
        // Not started yet: the first attempt begins on the next microtask.
        return this.#startClosed ? READY.CLOSED : READY.CONNECTING;
      default:
        return READY.CONNECTING;
    }
  }

  get url(): string {
    return this.#url;
  }

  get protocol(): string {
    return this.#disposed ? "" : this.#core.protocol;
  }

  get extensions(): string {
    return "";
  }

  get binaryType(): "blob" | "arraybuffer" {
    return this.#binaryType;
  }

  set binaryType(value: "blob" | "arraybuffer") {
    if (value !== "blob" && value !== "arraybuffer") throw new TypeError(`binaryType must be "blob" or "arraybuffer"`);
    this.#binaryType = value;
  }

  /** Bytes buffered by the socket plus bytes waiting in the queue. */
  get bufferedAmount(): number {
    return this.#disposed ? 0 : this.#core.bufferedAmount + this.#core.outboxBytes;
  }

  get retryCount(): number {
    return this.#retryCount;
  }

  /** Sends, or queues while not open. Throws instead of dropping silently. */
  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#disposed) throw endedError(data);
    if (isBlob(data)) {
      throw new TypeError("send() takes a string, an ArrayBuffer or a typed array; read a Blob with arrayBuffer() first");
    }
    if (this.#direct.send(data)) return;
    try {
      this.#core.send(data, frameBytes(data));
    } catch (e) {
      throw new SteadySocketError((e as { code?: string }).code ?? "error", String((e as Error).message), data);
    }
  }

  /** Closes for good (until reconnect()). */
  close(code: number = 1000, reason: string = ""): void {
    if (!this.#disposed) this.#core.close(code, reason);
  }

  /** Closes the current socket, if any, and connects again now. */
  reconnect(): void {
    if (this.#disposed) throw endedError();
    this.#core.reconnect();
  }

  /** Closes the socket and frees it, every listener and timer now (not in their API). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    letGo(this, this.#core, this.#hub, this.#registration);
  }

  /** @internal The module trapped: an error, then a close, for good (platform socket too). */
  [FATAL](error: Error): void {
    if (this.#disposed) return;
    this.#disposed = true;
    letGo(this, this.#core, this.#hub, this.#registration);
    this.#fire("error", new SteadyEvent("error", { message: error.message, error }));
    this.#fire("close", new SteadyEvent("close", { code: 1006, reason: error.message, wasClean: false }));
  }


  #fire(type: "open" | "close" | "error" | "message", event: Event): void {
    if (this.#debug) console.log("ReconnectingWebSocket>", type, event);
    const handler = this[`on${type}`] as Handler<Event>;
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
    switch (kind) {
      case KIND.MESSAGE: {
        const data = typeof a !== "string" && this.#binaryType === "blob" && typeof Blob !== "undefined" ? new Blob([a]) : a;
        return this.#fire("message", new SteadyEvent("message", { data }));
      }
      case KIND.STATE:
        return track(this, a);
      case KIND.OPEN:
        this.#retryCount = 0;
        return this.#fire("open", new SteadyEvent("open"));
      case KIND.CLOSE:
        return this.#fire("close", new SteadyEvent("close", { code: a.code, reason: a.reason, wasClean: a.wasClean }));
      case KIND.ERROR:
        return this.#fire("error", new SteadyEvent("error", { message: a }));
      case KIND.RECONNECTING:
        this.#retryCount = a.attempt;
        return;
      case KIND.RESOLVE:
        return resolveUrl(this.#core, this.#source, a, b, this.#protocols, (url) => (this.#url = url));
      case KIND.DROP:
        return this.#fire("error", new SteadyEvent("error", { message: `a queued message was dropped (${a.reason})` }));
      case KIND.TOO_LARGE:
        return this.#fire("error", new SteadyEvent("error", { message: `a ${b}-byte ${a} message exceeds the 16 MiB limit` }));
      case KIND.UNREADABLE:
        return this.#fire("error", new SteadyEvent("error", { message: `cannot read ${a}` }));
    }
  }
}
