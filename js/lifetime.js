// How long a socket lives. The wasm side reaches a socket only through a
// WeakRef (see createCore in options.js), so something must hold the sockets
// that are still doing something: like the platform's WebSocket, a socket
// stays alive while it connects, is open, closes or waits to reconnect, even
// if the app dropped it. Idle or closed for good, it is the app's to keep;
// once unreachable it is collected and wasm-bindgen's finalizer frees its
// wasm side. dispose() frees the wasm side at once.

const ACTIVE = new Set();

/** Holds `socket` while `state` means it is still at work. */
export function track(socket, state) {
  if (state === "idle" || state === "closed") ACTIVE.delete(socket);
  else ACTIVE.add(socket);
}

/**
 * Lets go of a disposed socket: closes its platform socket and timers now,
 * and frees its wasm object once the current call into wasm (a hook that
 * disposed its own socket, say) has returned.
 */
export function release(socket, core) {
  ACTIVE.delete(socket);
  core.dispose();
  queueMicrotask(() => core.free());
}

/** The error every call on a disposed socket throws. */
export const DISPOSED = "the socket was disposed; create a new one to connect again";
