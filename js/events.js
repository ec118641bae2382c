// Event classes the sockets dispatch. Plain `Event`s with their fields set, so
// that they work wherever EventTarget does (browsers, Node, Deno, Bun, workerd).

export class SteadyEvent extends Event {
  constructor(type, fields) {
    super(type);
    if (fields) Object.assign(this, fields);
  }
}

/** The message event: its own class, cheaper to build than a generic one. */
export class MessageEventLike extends Event {
  constructor(data) {
    super("message");
    this.data = data;
  }
}

/** A refusal or failure with a machine-readable `code`. */
export class SteadySocketError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = "SteadySocketError";
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** The kinds SocketCore's dispatcher receives (src/js/events.rs). */
export const KIND = Object.freeze({
  MESSAGE: 0,
  STATE: 1,
  OPEN: 2,
  CLOSE: 3,
  ERROR: 4,
  RECONNECTING: 5,
  GIVE_UP: 6,
  DROP: 7,
  HEARTBEAT: 8,
  RESOLVE: 9,
  TOO_LARGE: 10,
  UNREADABLE: 11,
  DIRECT: 12,
});
