// How long a socket lives. The wasm side reaches a socket only through a
// WeakRef (see createCore in options.js), so something must hold the sockets
// that are still doing something: like the platform's WebSocket, a socket
// stays alive while it connects, is open, closes or waits to reconnect, even
// if the app dropped it. Idle or closed for good, it is the app's to keep;
// once unreachable it is collected and wasm-bindgen's finalizer frees its
// wasm side. dispose() frees the wasm side at once.

import { SteadySocketError } from "./events.js";

const ACTIVE = new Set();

/** Holds `socket` while `state` means it is still at work. */
export function track(socket, state) {
  if (state === "idle" || state === "closed") ACTIVE.delete(socket);
  else ACTIVE.add(socket);
}

/** Why calls on a socket fail after its dispose(), or after a trap. */
export function endedError(data) {
  if (unusable) return unusableError();
  return new SteadySocketError("disposed", "the socket was disposed; create a new one to connect again", data);
}

/**
 * Lets go of a socket for good, below the events its class dispatches: no
 * more sends straight to the platform socket, no more events. Disposed, its
 * platform socket and timers are closed now and its wasm object is freed once
 * the current call into wasm (a hook that disposed its own socket, say) has
 * returned. After a trap the module is not called again: the platform socket
 * is closed from here.
 */
export function letGo(socket, core, hub, registration) {
  ACTIVE.delete(socket);
  hub.sender.allow(null, 0);
  hub.on = () => {};
  unregister(registration);
  if (unusable) {
    try {
      hub.ws?.close();
    } catch {
      // A socket that cannot close is closing already.
    }
    return;
  }
  core.dispose();
  queueMicrotask(() => !unusable && core.free());
}

// ----- A module that trapped -----
//
// A trap in wasm (a Rust panic, an allocation failure) leaves the module in an
// unknown state, for every socket of the page. The first call that sees one
// marks the module unusable: every socket gets a fatal error and closes for
// good (its platform socket too), and every later call throws.

/** The symbol under which a socket class takes the module's fatal error. */
export const FATAL = Symbol("steadysocket.fatal");

let unusable = null;
// Every socket not yet disposed, held weakly, to be told of a trap.
const sockets = new Set();
const forget = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((ref) => sockets.delete(ref)) : null;

/** Registers a socket to be told (through its [FATAL] method) of a trap. */
export function register(socket) {
  const ref = typeof WeakRef === "function" ? new WeakRef(socket) : { deref: () => socket };
  sockets.add(ref);
  forget?.register(socket, ref, ref);
  return ref;
}

/** The socket no longer needs telling (disposed). */
export function unregister(ref) {
  sockets.delete(ref);
  forget?.unregister(ref);
}

/** The error every call throws once the module is unusable. */
export function unusableError() {
  const cause = unusable?.message ?? String(unusable);
  return new SteadySocketError("unusable", `the steadysocket wasm module is unusable after a trap (${cause}); every socket was closed: reload the page or restart the process`);
}

function isTrap(e) {
  return (typeof WebAssembly === "object" && e instanceof WebAssembly.RuntimeError) || /recursive use of an object/.test(e?.message ?? "");
}

function trapped(e) {
  if (unusable) return;
  unusable = e;
  for (const ref of [...sockets]) ref.deref()?.[FATAL](unusableError());
  sockets.clear();
}

/** Whether the module is unusable. */
export const isUnusable = () => unusable !== null;

/**
 * SocketCore behind a guard: every call checks that the module is usable,
 * and a call that traps makes it unusable for everyone.
 */
export class GuardedCore {
  constructor(core) {
    this.raw = core;
  }
}
const METHODS = ["configSnapshot", "start", "send", "close", "reconnect", "outbox", "drainOutbox", "resolved", "resolveFailed", "sentDirectly", "dispose", "free"];
const GETTERS = ["state", "protocol", "bufferedAmount", "outboxBytes", "outboxLength", "closedReason", "maxMessageSize"];
function guarded(f) {
  if (unusable) throw unusableError();
  try {
    return f();
  } catch (e) {
    if (!isTrap(e)) throw e;
    trapped(e);
    throw unusableError();
  }
}
for (const m of METHODS) {
  GuardedCore.prototype[m] = function (...args) {
    return guarded(() => this.raw[m](...args));
  };
}
for (const p of GETTERS) {
  Object.defineProperty(GuardedCore.prototype, p, {
    get() {
      return guarded(() => this.raw[p]);
    },
  });
}
