// How long a socket lives. The wasm side reaches a socket only through a
// WeakRef (see createCore in options.ts), so something must hold the sockets
// that are still doing something: like the platform's WebSocket, a socket
// stays alive while it connects, is open, closes or waits to reconnect, even
// if the app dropped it. Idle or closed for good, it is the app's to keep;
// once unreachable it is collected and wasm-bindgen's finalizer frees its
// wasm side. dispose() frees the wasm side at once.
// The resume module's SocketCore: the main one's API plus sendAcked and
// resumeStats (which the main module lacks: reading them there gives undefined).
import type { SocketCore } from "../pkg/resume/steadysocket_resume.js";
import { Early, type AckedId, type OutboxLimits } from "./early.js";
import { frameBytes, type On } from "./frames.js";
import { messageOf, SteadySocketError } from "./events.js";
import type { Hub } from "./options.js";

const ACTIVE = new Set<object>();

/** Holds `socket` while `state` means it is still at work. */
export function track(socket: object, state: string): void {
  if (state === "idle" || state === "closed") ACTIVE.delete(socket);
  else ACTIVE.add(socket);
}

/**
 * `using socket = new ...` calls dispose() at the end of the block, where the
 * runtime has Symbol.dispose (the classes declare the method for the types).
 */
export function disposable(socket: { prototype: { dispose(): void } }): void {
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  if (typeof dispose === "symbol") (socket.prototype as unknown as Record<symbol, unknown>)[dispose] = socket.prototype.dispose;
}

/** Why calls on a socket fail after its dispose(), or after a trap. */
export function endedError(data?: unknown): SteadySocketError {
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
export function letGo(socket: object, core: GuardedCore, hub: Hub, registration: Registration): void {
  ACTIVE.delete(socket);
  hub.sender?.allow(null);
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
export const FATAL: unique symbol = Symbol("steadysocket.fatal");

/** A socket class that can be told of a trap. */
export interface Fatal {
  [FATAL](error: Error): void;
}

export type Registration = { deref(): Fatal | undefined };

let unusable: unknown = null;
// Every socket not yet disposed, held weakly, to be told of a trap.
const sockets = new Set<Registration>();
const forget = typeof FinalizationRegistry === "function" ? new FinalizationRegistry<Registration>((ref) => sockets.delete(ref)) : null;

/** Registers a socket to be told (through its [FATAL] method) of a trap. */
export function register(socket: Fatal): Registration {
  const ref: Registration = typeof WeakRef === "function" ? new WeakRef(socket) : { deref: () => socket };
  sockets.add(ref);
  forget?.register(socket, ref, ref);
  return ref;
}

/** The socket no longer needs telling (disposed). */
export function unregister(ref: Registration): void {
  sockets.delete(ref);
  forget?.unregister(ref);
}

/** The error every call throws once the module is unusable. */
export function unusableError(): SteadySocketError {
  const cause = (unusable as { message?: string } | null)?.message ?? String(unusable);
  return new SteadySocketError("unusable", `the steadysocket wasm module is unusable after a trap (${cause}); every socket was closed: reload the page or restart the process`);
}

function isTrap(e: unknown): boolean {
  return (typeof WebAssembly === "object" && e instanceof WebAssembly.RuntimeError) || /recursive use of an object/.test((e as { message?: string } | null)?.message ?? "");
}

function trapped(e: unknown): void {
  if (unusable) return;
  unusable = e;
  for (const ref of [...sockets]) ref.deref()?.[FATAL](unusableError());
  sockets.clear();
}

/** Whether the module is unusable. */
export const isUnusable = (): boolean => unusable !== null;

const METHODS = ["configSnapshot", "start", "send", "sendAcked", "close", "reconnect", "outbox", "drainOutbox", "resolved", "resolveFailed", "sentDirectly", "arrived", "textArrived", "received", "dispose", "free"] as const;
const GETTERS = ["state", "protocol", "resumeStats", "bufferedAmount", "outboxBytes", "outboxLength", "closedReason", "closedFailure", "maxMessageSize", "frameNeed"] as const;

/**
 * SocketCore behind a guard: every call checks that the module is usable,
 * and a call that traps makes it unusable for everyone. Until the module has
 * loaded (see js/load.ts) the calls go to an Early core (js/early.ts), which
 * hands them over to the SocketCore once there is one.
 */
export interface GuardedCore extends Pick<SocketCore, (typeof METHODS)[number] | (typeof GETTERS)[number]> {
  /** SocketCore's, or (before the module has loaded) the early core's, which tells `acked` the id later. */
  sendAcked(data: unknown, bytes: number, acked?: AckedId): any[];
}
export class GuardedCore {
  raw: SocketCore | null = null;
  early: Early | null = null;

  /**
   * Waits for `ready`, then builds the SocketCore with `build`, calls
   * `adopted` and hands the early calls over.
   */
  wait(ready: Promise<unknown>, build: () => SocketCore, adopted: () => void, on: On, limits: OutboxLimits): void {
    const early = new Early(on, limits);
    this.early = early;
    ready.then(
      () => {
        if (early.disposed || unusable) return;
        try {
          this.raw = build();
        } catch (e) {
          return early.fail(messageOf(e));
        }
        this.early = null;
        adopted();
        early.handOver(this, frameBytes);
      },
      (e: unknown) => early.fail(messageOf(e)),
    );
  }
}

/** What a call into the core threw: a trap makes the module unusable for everyone. */
function rethrow(e: unknown): never {
  if (!isTrap(e)) throw e;
  trapped(e);
  throw unusableError();
}
const proto = GuardedCore.prototype as unknown as Record<string, unknown>;
for (const m of METHODS) {
  // No method takes more than three arguments; fixed parameters and no
  // closure keep the per-message calls (send, textArrived) cheap.
  proto[m] = function (this: GuardedCore, a?: unknown, b?: unknown, c?: unknown) {
    const early = this.early as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined> | null;
    // Before the module: what the early core takes, and nothing else (the
    // others answer the engine's own reports, which cannot come yet).
    if (early) return early[m]?.(a, b, c);
    if (unusable) throw unusableError();
    try {
      return (this.raw as unknown as Record<string, (...a: unknown[]) => unknown>)[m](a, b, c);
    } catch (e) {
      return rethrow(e);
    }
  };
}
for (const p of GETTERS) {
  Object.defineProperty(GuardedCore.prototype, p, {
    get(this: GuardedCore) {
      if (this.early) return (this.early as unknown as Record<string, unknown>)[p];
      if (unusable) throw unusableError();
      try {
        return this.raw![p];
      } catch (e) {
        return rethrow(e);
      }
    },
  });
}
