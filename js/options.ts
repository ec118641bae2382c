// SocketCore's options: names and types are checked here, and the values go
// to the engine as one array of numbers, by the slots generated from
// crates/npm/boundary.json (the facade crate reads them by the same slots).
// Reading a JS object field by field from wasm took a seventh of the module.
// What depends on several options at once (initialDelay <= maxDelay,
// lowWatermark <= highWatermark) is checked here too (checkTogether), so that
// it throws before the wasm module has loaded, with the engine's message.
// createCore also wires the core's direct
// paths (js/frames.ts), so that both socket classes get them the same way.
import wasmInit, { initSync as wasmInitSync, SocketCore } from "../pkg/steadysocket.js";
import type { SocketCore as ResumeCore } from "../pkg/resume/steadysocket_resume.js";
import { DEFAULTS, JITTER_CHOICES, KIND, KNOWN, OVERFLOW_CHOICES, SIMPLE, SLOT, SLOTS, type Unit } from "./generated/boundary.js";
import { DirectSend, directListener, type Direct, type On } from "./frames.js";
import { GuardedCore, isUnusable, unusableError } from "./lifetime.js";
import { WasmModule } from "./load.js";
import { messageOf, SteadySocketError } from "./events.js";
import type { OutboxLimits } from "./early.js";
import type { CloseInfo } from "./types.js";

/** The main wasm module (the engine), loaded when the first socket needs it. */
export const MAIN = new WasmModule("steadysocket", "../pkg/steadysocket_bg.wasm", { init: wasmInit, initSync: wasmInitSync });

type ResumeModule = typeof import("./resume-module.js");
let resumeImport: Promise<ResumeModule> | null = null;
let resumeReady: ResumeModule | null = null;

/**
 * The resume module (js/resume-module.ts), imported and loaded the first
 * time a socket with the resume option needs it: the others never fetch it.
 * Rejects with a SteadySocketError ("load").
 */
export function loadResume(): Promise<void> {
  resumeImport ??= import("./resume-module.js")
    .then(async (m) => {
      await m.RESUME.load();
      resumeReady = m;
      return m;
    })
    .catch((e: unknown) => {
      resumeImport = null;
      throw e instanceof SteadySocketError ? e : new SteadySocketError("load", `cannot load the resume wasm module: ${messageOf(e)}`);
    });
  return resumeImport.then(() => {});
}

/** The resume module once loadResume() has loaded it, else null. */
export function resumeModule(): ResumeModule | null {
  return resumeReady;
}

type Check = readonly [string, (n: number) => boolean];
// Whole milliseconds: a fraction would be truncated somewhere on its way.
const MS: Check = ["a whole number of milliseconds, 0 or more", (n) => Number.isSafeInteger(n) && n >= 0];
// What is held in wasm memory (a 32-bit address space) is bounded well below
// what it can address, so that no limit lets the module run out of memory.
const MAX_HELD = 2 ** 30;
const CHECKS: Record<Unit, Check> = {
  ms: MS,
  count: ["a whole number, 0 or more, or Infinity", (n) => n === Infinity || (Number.isInteger(n) && n >= 0 && n <= 9e15)],
  bytes: [`a whole number of bytes from 0 to ${MAX_HELD} (1 GiB)`, (n) => Number.isInteger(n) && n >= 0 && n <= MAX_HELD],
  factor: ["a number of at least 1", (n) => Number.isFinite(n) && n >= 1],
  bool: ["true or false", () => true],
};

/** A short description of a bad value for an error message. */
function show(v: unknown): string {
  if (typeof v === "string") return `the string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "null";
  return `a value of type ${typeof v}`;
}

/** "a", "b" or "c". */
const oneOf = (list: readonly string[]): string => {
  const quoted = list.map((c) => JSON.stringify(c));
  return `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
};

function fail(name: string, want: string, got: unknown): never {
  throw new TypeError(`option ${name} must be ${want}, got ${show(got)}`);
}

function numberAt(slots: Float64Array, slot: number, name: string, value: unknown, unit: Unit): void {
  if (value === undefined) return;
  const [want, ok] = CHECKS[unit];
  if (unit === "bool") {
    if (typeof value !== "boolean") fail(name, want, value);
    slots[slot] = value ? 1 : 0;
    return;
  }
  if (typeof value !== "number" || !ok(value)) fail(name, want, value);
  slots[slot] = value;
}

function functionOf<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined || typeof value === "function") return value;
  fail(name, "a function", value);
}

function stringOf(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  fail(name, "a string", value);
}

/** A slot's value, or its default when not given (NaN). */
function valueAt(slots: Float64Array, slot: number, name: string): number {
  return Number.isNaN(slots[slot]) ? Number(DEFAULTS[name]) : slots[slot];
}

/**
 * The rules that tie options together, checked here so that they hold
 * synchronously before the wasm module has loaded too (the engine checks the
 * same on its side, for the Rust API; a test compares the two verdicts). A
 * default never makes a given option invalid: without initialDelay, a
 * smaller maxDelay caps it.
 */
export function checkTogether(slots: Float64Array): void {
  const initial = valueAt(slots, SLOT.INITIAL_DELAY, "initialDelay");
  const max = valueAt(slots, SLOT.MAX_DELAY, "maxDelay");
  if (!Number.isNaN(slots[SLOT.INITIAL_DELAY]) && initial > max) {
    throw new TypeError(`invalid option initialDelay: ${initial} ms is larger than the maximum delay, ${max} ms`);
  }
  // In the engine's order, so that the first rule broken is the one named.
  const aboveZero = (slot: number, name: string, what = "must be above zero") => {
    if (slots[slot] === 0) throw new TypeError(`invalid option ${name}: ${what}`);
  };
  aboveZero(SLOT.CONNECTION_TIMEOUT, "connectionTimeout");
  if (valueAt(slots, SLOT.MAX_ENQUEUED_BYTES, "maxEnqueuedBytes") === 0 && valueAt(slots, SLOT.MAX_ENQUEUED_MESSAGES, "maxEnqueuedMessages") !== 0) {
    throw new TypeError("invalid option maxEnqueuedBytes: must be above zero when the outbox holds messages");
  }
  if (slots[SLOT.HEARTBEAT] === 1) {
    aboveZero(SLOT.HEARTBEAT_INTERVAL, "heartbeat.interval");
    aboveZero(SLOT.HEARTBEAT_TIMEOUT, "heartbeat.timeout");
  }
  if (slots[SLOT.RESUME] === 1) aboveZero(SLOT.RESUME_MAX_MESSAGES, "resume.maxUnackedMessages");
  const low = valueAt(slots, SLOT.LOW_WATERMARK, "lowWatermark");
  const high = valueAt(slots, SLOT.HIGH_WATERMARK, "highWatermark");
  if (low > high) throw new TypeError(`invalid option lowWatermark: ${low} is above the high watermark ${high}`);
  aboveZero(SLOT.HIDDEN_TIMEOUT, "hiddenTimeout", "the close-after delay must be above zero");
}

/** The outbox's bounds while the link is down, as the engine takes them from the options. */
export function outboxLimits(slots: Float64Array): OutboxLimits {
  return {
    // (The engine also never queues more than MAX_QUEUED, 2^20, messages;
    // past that, which no app reaches before the module loads, the hand-over
    // reports the refusals as drop events.)
    maxMessages: valueAt(slots, SLOT.MAX_ENQUEUED_MESSAGES, "maxEnqueuedMessages"),
    maxBytes: valueAt(slots, SLOT.MAX_ENQUEUED_BYTES, "maxEnqueuedBytes"),
    overflow: Number.isNaN(slots[SLOT.OVERFLOW]) ? (DEFAULTS.overflow as OutboxLimits["overflow"]) : OVERFLOW_CHOICES[slots[SLOT.OVERFLOW]],
  };
}

/** What the wasm side reaches (weakly) and what the socket class shares with lifetime.ts. */
export interface Hub {
  on: On;
  /** The direct path, once the core is built (its class depends on the module). */
  sender: Direct | null;
  listener: ((event: { data: unknown; target: unknown }) => void) | null;
  shouldReconnect?: (close: CloseInfo) => boolean | undefined;
  handshake?: () => unknown[];
  ws: { close(): void } | null;
  /** Told of every platform socket created (the drop-in reads through it). */
  onSocket?: (ws: unknown) => void;
}

/** The options createCore reads (the socket classes wrap the hooks). */
export type RawCoreOptions = Record<string, unknown> & {
  shouldReconnect?: (close: CloseInfo) => boolean | undefined;
  handshake?: () => unknown[];
};

/**
 * Checks the core options and builds a SocketCore with them and its direct
 * paths (js/frames.ts): the message listener it attaches to each socket, and
 * the sender that takes its DIRECT reports. Every other event goes to
 * `on(kind, a, b)`. Returns `{ core, sender, hub }`; throws a TypeError on a
 * bad option.
 */
export function createCore(options: RawCoreOptions, on: On, codecLoading?: Promise<void>): { core: GuardedCore; hub: Hub } {
  if (isUnusable()) throw unusableError();
  const { slots, ping, pong } = coreSlots(options);
  checkTogether(slots);
  return wire(options, slots, ping, pong, on, codecLoading);
}

/**
 * Each option checked alone, and the options array with the heartbeat's
 * texts. Throws a TypeError on a bad or unknown option.
 */
export function coreSlots(options: RawCoreOptions): { slots: Float64Array; ping?: string; pong?: string } {
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`unknown option ${JSON.stringify(key)}; the options are: ${KNOWN.join(", ")}`);
  }
  // NaN: not given, the engine's default.
  const slots = new Float64Array(SLOTS).fill(NaN);
  for (const [name, slot, unit] of SIMPLE) numberAt(slots, slot, name, options[name], unit);

  const { jitter, restartDelay, overflow, heartbeat } = options;
  if (jitter !== undefined) {
    const kind = (JITTER_CHOICES as readonly unknown[]).indexOf(jitter);
    if (kind >= 0) slots[SLOT.JITTER] = kind;
    else if (typeof jitter === "number" && jitter >= 0 && jitter <= 1) {
      // One past the named choices: a proportion.
      slots[SLOT.JITTER] = JITTER_CHOICES.length;
      slots[SLOT.JITTER_PROPORTION] = jitter;
    } else fail("jitter", `${JITTER_CHOICES.map((c) => JSON.stringify(c)).join(", ")} or a proportion from 0 to 1`, jitter);
  }
  if (restartDelay !== undefined) {
    const [min, max] = Array.isArray(restartDelay) && restartDelay.length === 2 ? restartDelay : [];
    if (!MS[1](min) || !MS[1](max) || min > max) fail("restartDelay", "[min, max] milliseconds with min <= max", restartDelay);
    slots[SLOT.RESTART_MIN] = min;
    slots[SLOT.RESTART_MAX] = max;
  }
  if (overflow !== undefined) {
    slots[SLOT.OVERFLOW] = (OVERFLOW_CHOICES as readonly unknown[]).indexOf(overflow);
    if (slots[SLOT.OVERFLOW] < 0) fail("overflow", oneOf(OVERFLOW_CHOICES), overflow);
  }
  let ping: string | undefined, pong: string | undefined;
  if (heartbeat !== undefined && heartbeat !== false) {
    if (heartbeat !== true && (heartbeat === null || typeof heartbeat !== "object")) fail("heartbeat", "true or an object", heartbeat);
    const h = (heartbeat === true ? {} : heartbeat) as Record<string, unknown>;
    for (const key of Object.keys(h)) {
      if (!["interval", "timeout", "ping", "pong"].includes(key)) {
        throw new TypeError(`unknown option heartbeat.${key}; the heartbeat options are: interval, timeout, ping, pong`);
      }
    }
    slots[SLOT.HEARTBEAT] = 1;
    numberAt(slots, SLOT.HEARTBEAT_INTERVAL, "heartbeat.interval", h.interval, "ms");
    numberAt(slots, SLOT.HEARTBEAT_TIMEOUT, "heartbeat.timeout", h.timeout, "ms");
    ping = stringOf("heartbeat.ping", h.ping);
    pong = stringOf("heartbeat.pong", h.pong);
  }
  const { resume } = options;
  if (resume !== undefined && resume !== false) {
    if (resume !== true && (resume === null || typeof resume !== "object")) fail("resume", "true or an object", resume);
    const r = (resume === true ? {} : resume) as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!["maxUnackedMessages", "maxUnackedBytes"].includes(key)) {
        throw new TypeError(`unknown option resume.${key}; the resume options are: maxUnackedMessages, maxUnackedBytes`);
      }
    }
    slots[SLOT.RESUME] = 1;
    numberAt(slots, SLOT.RESUME_MAX_MESSAGES, "resume.maxUnackedMessages", r.maxUnackedMessages, "count");
    numberAt(slots, SLOT.RESUME_MAX_BYTES, "resume.maxUnackedBytes", r.maxUnackedBytes, "bytes");
  }
  return { slots, ping, pong };
}

/** Builds the SocketCore (now, or once the modules have loaded) and its direct paths. */
function wire(options: RawCoreOptions, slots: Float64Array, ping: string | undefined, pong: string | undefined, on: On, codecLoading?: Promise<void>) {
  // The wasm side holds only the functions of weakCallbacks, which reach the
  // socket through a WeakRef: a socket the app dropped is then collectable
  // once nothing else holds it (js/lifetime.ts keeps the active ones alive, as
  // the platform keeps an open WebSocket alive), and wasm-bindgen's finalizer
  // frees its wasm side. The hooks go the same way: an app's hook usually
  // refers to its socket.
  // `ws`, the platform socket of the current attempt, is kept for the one case
  // where JavaScript must close it itself: a module that trapped.
  const hub: Hub = { on, sender: null, listener: null, shouldReconnect: options.shouldReconnect, handshake: options.handshake, ws: null };
  const Base = functionOf("WebSocket", options.WebSocket as (new (url: string, protocols: string[]) => { close(): void }) | undefined) ?? globalThis.WebSocket;
  if (typeof Base !== "function") {
    throw new TypeError("this runtime has no WebSocket: pass a WebSocket constructor as the WebSocket option (in Node 20, the ws package's)");
  }
  const weak = weakCallbacks(typeof WeakRef === "function" ? new WeakRef(hub) : { deref: () => hub }, Base);
  functionOf("shouldReconnect", options.shouldReconnect);
  functionOf("handshake", options.handshake);
  // With the resume option, the resume module's SocketCore (the same API).
  const resume = slots[SLOT.RESUME] === 1;
  // (Typed as the resume module's, whose API is the main one's and more.)
  let Core = SocketCore as unknown as typeof ResumeCore;
  const build = () =>
    new Core(slots, ping, pong, weak.construct, options.shouldReconnect && weak.shouldReconnect, options.handshake && weak.handshake, weak.dispatch, weak.listener);
  const core = new GuardedCore();
  const dispatch: On = (kind, a, b) => hub.on(kind, a, b);
  // The listener reads the engine's limits, and the direct path's class is
  // the module's: both are made with the SocketCore, before the first
  // platform socket that needs them.
  const adopt = () => {
    const Kept = resume ? resumeModule()?.KeptDirectSend : undefined;
    const direct = (hub.sender = Kept ? new Kept() : new DirectSend(core));
    hub.listener = directListener(core, dispatch, direct);
  };
  // Built now where the module can load synchronously; else the socket
  // starts early (js/early.ts) and the module loads meanwhile.
  const loadedNow = resume ? resumeModule() : MAIN.loadSync() ? { SocketCore } : null;
  if (loadedNow && codecLoading === undefined) {
    Core = loadedNow.SocketCore as unknown as typeof ResumeCore;
    core.raw = build();
    adopt();
  } else {
    const ready = resume ? loadResume().then(() => void (Core = resumeModule()!.SocketCore)) : MAIN.load();
    core.wait(Promise.all([ready, codecLoading]), build, adopt, dispatch, outboxLimits(slots));
  }
  return { core, hub };
}

/** Takes a let-go socket's late error (see weakCallbacks). */
function absorb(): void {}

// A scope of its own: V8 keeps one context per scope for all the closures
// made in it, so functions made next to strong references would hold them.
function weakCallbacks(ref: { deref(): Hub | undefined }, Base: unknown) {
  return {
    // The WebSocket constructor the core calls: it records the socket.
    // Without one the core reports that the runtime has none.
    construct:
      typeof Base === "function"
        ? function WebSocket(url: string, protocols: string[]) {
            const ws = new (Base as new (url: string, protocols: string[]) => { close(): void })(url, protocols);
            // The ws package (Node 20) throws an error event that has no
            // listener: a socket let go of while connecting reports one
            // after its listeners are gone. This one takes it.
            (ws as { addEventListener?: (type: string, f: () => void) => void }).addEventListener?.("error", absorb);
            const hub = ref.deref();
            if (hub !== undefined) {
              hub.ws = ws;
              hub.onSocket?.(ws);
            }
            return ws;
          }
        : undefined,
    dispatch(kind: number, a: any, b: any) {
      const hub = ref.deref();
      if (hub === undefined) return;
      if (kind === KIND.DIRECT) hub.sender?.allow(a, b);
      // The core asks for what was done directly (with resume).
      else if (kind === KIND.TAB) return hub.sender?.tab() ?? null;
      else hub.on(kind, a, b);
    },
    listener: (event: { data: unknown; target: unknown }) => ref.deref()?.listener?.(event),
    shouldReconnect: (close: CloseInfo) => ref.deref()?.shouldReconnect?.(close),
    handshake: () => ref.deref()?.handshake?.() ?? [],
  };
}

/**
 * Checks close()'s arguments as the platform's close() does, before the
 * engine sees them: a code that is not a number or a reason that is not a
 * string is a TypeError; a code that is not a whole number, 1000 or
 * 3000-4999, is a RangeError (the engine checks the reason's length).
 */
export function checkClose(code: unknown, reason: unknown): asserts code is number {
  if (typeof code !== "number") throw new TypeError(`close() takes a numeric code, got ${show(code)}`);
  if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
    throw new RangeError(`close() takes the code 1000 or one from 3000 to 4999, got ${code}`);
  }
  if (typeof reason !== "string") throw new TypeError(`close() takes a string reason, got ${show(reason)}`);
}
