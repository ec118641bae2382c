// ReconnectingWebSocket: a drop-in for the reconnecting-websocket / partysocket
// class, on the same Rust engine as SteadySocket. The deliberate differences
// are listed in the README.
import { createCore } from "./options.js";
import { KIND, SteadyEvent, SteadySocketError } from "./events.js";
import { checkUrl, protocolList, resolveUrl } from "./url.js";
import { isBlob } from "./frames.js";
import { FATAL, endedError, letGo, register, track } from "./lifetime.js";

const READY = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };

/** Their option names and the core's. */
const RENAMED = [
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
function theirNames(e) {
  if (!(e instanceof TypeError)) return e;
  let message = e.message;
  for (const [theirs, ours] of RENAMED) message = message.replace(new RegExp(`option ${ours}\\b`), `option ${theirs}`);
  return new TypeError(message);
}

/** Their option names, mapped onto the core's. */
function coreOptions(options) {
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
  const core = {};
  for (const [theirs, ours] of RENAMED) if (options[theirs] !== undefined) core[ours] = options[theirs];
  // Their delays grow by a factor from a minimum: keep that shape, with the
  // jitter drawn per attempt (theirs is drawn once per page).
  if (options.minReconnectionDelay !== undefined || options.reconnectionDelayGrowFactor !== undefined) {
    core.jitter = "equal";
  }
  return core;
}

export class ReconnectingWebSocket extends EventTarget {
  static CONNECTING = READY.CONNECTING;
  static OPEN = READY.OPEN;
  static CLOSING = READY.CLOSING;
  static CLOSED = READY.CLOSED;
  CONNECTING = READY.CONNECTING;
  OPEN = READY.OPEN;
  CLOSING = READY.CLOSING;
  CLOSED = READY.CLOSED;

  onopen = null;
  onclose = null;
  onerror = null;
  onmessage = null;

  #core;
  #direct;
  // Holds what the wasm side reaches only weakly (js/options.js).
  #hub;
  // Set by dispose(), or by a trap of the module ([FATAL]).
  #disposed = false;
  #registration;
  #source;
  #protocols;
  #url = "";
  #binaryType = "blob";
  #retryCount = 0;
  #debug;
  #startClosed;

  constructor(url, protocols, options = {}) {
    super();
    checkUrl(url);
    if (options === null || typeof options !== "object") throw new TypeError("options must be an object");
    this.#source = url;
    this.#protocols = protocolList(protocols);
    this.#debug = options.debug === true;
    this.#startClosed = options.startClosed === true;
    try {
      const { core, sender, hub } = createCore(coreOptions(options), (kind, a, b) => this.#on(kind, a, b));
      this.#core = core;
      this.#direct = sender;
      this.#hub = hub;
      this.#registration = register(this);
    } catch (e) {
      throw theirNames(e);
    }
    if (!this.#startClosed) queueMicrotask(() => !this.#disposed && this.#core.state === "idle" && this.#core.start());
  }

  get readyState() {
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

  get url() {
    return this.#url;
  }

  get protocol() {
    return this.#disposed ? "" : this.#core.protocol;
  }

  get extensions() {
    return "";
  }

  get binaryType() {
    return this.#binaryType;
  }

  set binaryType(value) {
    if (value !== "blob" && value !== "arraybuffer") throw new TypeError(`binaryType must be "blob" or "arraybuffer"`);
    this.#binaryType = value;
  }

  /** Bytes buffered by the socket plus bytes waiting in the queue. */
  get bufferedAmount() {
    return this.#disposed ? 0 : this.#core.bufferedAmount + this.#core.outboxBytes;
  }

  get retryCount() {
    return this.#retryCount;
  }

  /** Sends, or queues while not open. Throws instead of dropping silently. */
  send(data) {
    if (this.#disposed) throw endedError(data);
    if (isBlob(data)) {
      throw new TypeError("send() takes a string, an ArrayBuffer or a typed array; read a Blob with arrayBuffer() first");
    }
    if (this.#direct.send(data)) return;
    try {
      this.#core.send(data);
    } catch (e) {
      throw new SteadySocketError(e.code ?? "error", e.message, data);
    }
  }

  /** Closes for good (until reconnect()). */
  close(code = 1000, reason = "") {
    if (!this.#disposed) this.#core.close(code, reason);
  }

  /** Closes the current socket, if any, and connects again now. */
  reconnect() {
    if (this.#disposed) throw endedError();
    this.#core.reconnect();
  }

  /** Closes the socket and frees it, every listener and timer now (not in their API). */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    letGo(this, this.#core, this.#hub, this.#registration);
  }

  /** The module trapped: an error, then a close, for good (platform socket too). */
  [FATAL](error) {
    if (this.#disposed) return;
    this.#disposed = true;
    letGo(this, this.#core, this.#hub, this.#registration);
    this.#fire("error", new SteadyEvent("error", { message: error.message, error }));
    this.#fire("close", new SteadyEvent("close", { code: 1006, reason: error.message, wasClean: false }));
  }


  #fire(type, event) {
    if (this.#debug) console.log("ReconnectingWebSocket>", type, event);
    const handler = this[`on${type}`];
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

  #on(kind, a, b) {
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
