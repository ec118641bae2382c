// SocketCore's options: names and types are checked here, and the values go
// to the engine as one array of numbers (src/js/options.rs reads it by the same
// slots). Reading a JS object field by field from wasm took a seventh of the
// module. What depends on several options at once (initialDelay <= maxDelay,
// lowWatermark <= highWatermark) is checked by the engine, which throws a
// TypeError with its own message. createCore also wires the core's direct
// paths (js/frames.js), so that both socket classes get them the same way.
import { SocketCore } from "../pkg/steadysocket.js";
import { KIND } from "./events.js";
import { DirectSend, directListener } from "./frames.js";
import { GuardedCore, isUnusable, unusableError } from "./lifetime.js";

// Whole milliseconds: a fraction would be truncated somewhere on its way.
const MS = ["a whole number of milliseconds, 0 or more", (n) => Number.isSafeInteger(n) && n >= 0];
const COUNT = ["a whole number, 0 or more, or Infinity", (n) => n === Infinity || (Number.isInteger(n) && n >= 0 && n <= 9e15)];
// What is held in wasm memory (a 32-bit address space) is bounded well below
// what it can address, so that no limit lets the module run out of memory.
const MAX_HELD = 2 ** 30;
const BYTES = [`a whole number of bytes from 0 to ${MAX_HELD} (1 GiB)`, (n) => Number.isInteger(n) && n >= 0 && n <= MAX_HELD];
const FACTOR = ["a number of at least 1", (n) => Number.isFinite(n) && n >= 1];

// The numeric options, in slot order: index i here is slot i.
const NUMERIC = [
  ["initialDelay", MS],
  ["maxDelay", MS],
  ["delayGrowFactor", FACTOR],
  ["maxRetries", COUNT],
  ["retryBudget", MS],
  ["minUptime", MS],
  ["connectionTimeout", MS],
  ["maxEnqueuedMessages", COUNT],
  ["maxEnqueuedBytes", BYTES],
  ["messageTtl", MS],
  ["closeTimeout", MS],
  ["hiddenTimeout", MS],
  ["highWatermark", COUNT],
  ["lowWatermark", COUNT],
  ["maxMessageSize", BYTES],
];
// The slots after them.
const RETRY_FIRST_CONNECT = 15;
const JITTER = 16; // 0 none, 1 full, 2 equal, 3 decorrelated, 4 proportional
const JITTER_PROPORTION = 17;
const RESTART_MIN = 18;
const RESTART_MAX = 19;
const OVERFLOW = 20; // 0 reject, 1 drop-oldest, 2 drop-newest
const HEARTBEAT = 21; // 1: on
const HEARTBEAT_INTERVAL = 22;
const HEARTBEAT_TIMEOUT = 23;
const MAX_HELD_BYTES = 24;
const SLOTS = 25;

const JITTERS = ["none", "full", "equal", "decorrelated"];
const OVERFLOWS = ["reject", "drop-oldest", "drop-newest"];
const OTHER = ["maxHeldBytes", "jitter", "restartDelay", "retryFirstConnect", "overflow", "heartbeat", "protocols", "WebSocket", "shouldReconnect", "handshake"];
const KNOWN = [...NUMERIC.map(([name]) => name), ...OTHER];

/** A short description of a bad value for an error message. */
function show(v) {
  if (typeof v === "string") return `the string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "null";
  return `a value of type ${typeof v}`;
}

function fail(name, want, got) {
  throw new TypeError(`option ${name} must be ${want}, got ${show(got)}`);
}

function numberAt(slots, slot, name, value, [want, ok]) {
  if (value === undefined) return;
  if (typeof value !== "number" || !ok(value)) fail(name, want, value);
  slots[slot] = value;
}

function functionOf(name, value) {
  if (value === undefined || typeof value === "function") return value;
  fail(name, "a function", value);
}

function stringOf(name, value) {
  if (value === undefined || typeof value === "string") return value;
  fail(name, "a string", value);
}

/**
 * Checks the core options and builds a SocketCore with them and its direct
 * paths (js/frames.js): the message listener it attaches to each socket, and
 * the sender that takes its DIRECT reports. Every other event goes to
 * `on(kind, a, b)`. Returns `{ core, sender }`; throws a TypeError on a bad
 * option.
 */
export function createCore(options, on) {
  if (isUnusable()) throw unusableError();
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`unknown option ${JSON.stringify(key)}; the options are: ${KNOWN.join(", ")}`);
  }
  // NaN: not given, the engine's default.
  const slots = new Float64Array(SLOTS).fill(NaN);
  NUMERIC.forEach(([name, kind], slot) => numberAt(slots, slot, name, options[name], kind));

  numberAt(slots, MAX_HELD_BYTES, "maxHeldBytes", options.maxHeldBytes, BYTES);
  const { jitter, restartDelay, retryFirstConnect, overflow, heartbeat } = options;
  if (jitter !== undefined) {
    const kind = JITTERS.indexOf(jitter);
    if (kind >= 0) slots[JITTER] = kind;
    else if (typeof jitter === "number" && jitter >= 0 && jitter <= 1) {
      slots[JITTER] = 4;
      slots[JITTER_PROPORTION] = jitter;
    } else fail("jitter", '"none", "full", "equal", "decorrelated" or a proportion from 0 to 1', jitter);
  }
  if (restartDelay !== undefined) {
    const [min, max] = Array.isArray(restartDelay) && restartDelay.length === 2 ? restartDelay : [];
    if (!MS[1](min) || !MS[1](max) || min > max) fail("restartDelay", "[min, max] milliseconds with min <= max", restartDelay);
    slots[RESTART_MIN] = min;
    slots[RESTART_MAX] = max;
  }
  if (retryFirstConnect !== undefined) {
    if (typeof retryFirstConnect !== "boolean") fail("retryFirstConnect", "true or false", retryFirstConnect);
    slots[RETRY_FIRST_CONNECT] = retryFirstConnect ? 1 : 0;
  }
  if (overflow !== undefined) {
    slots[OVERFLOW] = OVERFLOWS.indexOf(overflow);
    if (slots[OVERFLOW] < 0) fail("overflow", '"reject", "drop-oldest" or "drop-newest"', overflow);
  }
  let ping, pong;
  if (heartbeat !== undefined && heartbeat !== false) {
    if (heartbeat !== true && (heartbeat === null || typeof heartbeat !== "object")) fail("heartbeat", "true or an object", heartbeat);
    const h = heartbeat === true ? {} : heartbeat;
    for (const key of Object.keys(h)) {
      if (!["interval", "timeout", "ping", "pong"].includes(key)) {
        throw new TypeError(`unknown option heartbeat.${key}; the heartbeat options are: interval, timeout, ping, pong`);
      }
    }
    slots[HEARTBEAT] = 1;
    numberAt(slots, HEARTBEAT_INTERVAL, "heartbeat.interval", h.interval, MS);
    numberAt(slots, HEARTBEAT_TIMEOUT, "heartbeat.timeout", h.timeout, MS);
    ping = stringOf("heartbeat.ping", h.ping);
    pong = stringOf("heartbeat.pong", h.pong);
  }
  // The wasm side holds only the functions of weakCallbacks, which reach the
  // socket through a WeakRef: a socket the app dropped is then collectable
  // once nothing else holds it (js/lifetime.js keeps the active ones alive, as
  // the platform keeps an open WebSocket alive), and wasm-bindgen's finalizer
  // frees its wasm side. The hooks go the same way: an app's hook usually
  // refers to its socket.
  // `ws`, the platform socket of the current attempt, is kept for the one case
  // where JavaScript must close it itself: a module that trapped.
  const hub = { on, sender: null, listener: null, shouldReconnect: options.shouldReconnect, handshake: options.handshake, ws: null };
  const Base = functionOf("WebSocket", options.WebSocket) ?? globalThis.WebSocket;
  const weak = weakCallbacks(typeof WeakRef === "function" ? new WeakRef(hub) : { deref: () => hub }, Base);
  const raw = new SocketCore(
    slots,
    ping,
    pong,
    weak.construct,
    functionOf("shouldReconnect", options.shouldReconnect) && weak.shouldReconnect,
    functionOf("handshake", options.handshake) && weak.handshake,
    weak.dispatch,
    weak.listener,
  );
  const core = new GuardedCore(raw);
  hub.listener = directListener(core, (kind, a, b) => hub.on(kind, a, b));
  hub.sender = new DirectSend(core);
  return { core, sender: hub.sender, hub };
}

// A scope of its own: V8 keeps one context per scope for all the closures
// made in it, so functions made next to strong references would hold them.
function weakCallbacks(ref, Base) {
  return {
    // The WebSocket constructor the core calls: it records the socket.
    // Without one the core reports that the runtime has none.
    construct:
      typeof Base === "function"
        ? function WebSocket(url, protocols) {
            const ws = new Base(url, protocols);
            const hub = ref.deref();
            if (hub !== undefined) hub.ws = ws;
            return ws;
          }
        : undefined,
    dispatch(kind, a, b) {
      const hub = ref.deref();
      if (hub === undefined) return;
      if (kind === KIND.DIRECT) hub.sender.allow(a, b);
      else hub.on(kind, a, b);
    },
    listener: (event) => ref.deref()?.listener(event),
    shouldReconnect: (close) => ref.deref()?.shouldReconnect(close),
    handshake: () => ref.deref()?.handshake() ?? [],
  };
}

/**
 * Checks close()'s arguments as the platform's close() does, before the
 * engine sees them: a code that is not a number or a reason that is not a
 * string is a TypeError; a code that is not a whole number, 1000 or
 * 3000-4999, is a RangeError (the engine checks the reason's length).
 */
export function checkClose(code, reason) {
  if (typeof code !== "number") throw new TypeError(`close() takes a numeric code, got ${show(code)}`);
  if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
    throw new RangeError(`close() takes the code 1000 or one from 3000 to 4999, got ${code}`);
  }
  if (typeof reason !== "string") throw new TypeError(`close() takes a string reason, got ${show(reason)}`);
}
