// Event classes the sockets dispatch. Plain `Event`s with their fields set, so
// that they work wherever EventTarget does (browsers, Node, Deno, Bun, workerd).
import type { ErrorCode } from "./types.js";

export { KIND } from "./generated/boundary.js";

export class SteadyEvent extends Event {
  constructor(type: string, fields?: object) {
    super(type);
    if (fields) Object.assign(this, fields);
  }
}

/** The message event: its own class, cheaper to build than a generic one. */
export class MessageEventLike<T = unknown> extends Event {
  readonly data: T;
  constructor(data: T) {
    super("message");
    this.data = data;
  }
}

/** A refusal or failure with a machine-readable `code`. */
export class SteadySocketError extends Error {
  readonly code: ErrorCode;
  declare readonly data?: unknown;
  constructor(code: ErrorCode, message: string, data?: unknown) {
    super(message);
    this.name = "SteadySocketError";
    this.code = code;
    if (data !== undefined) this.data = data;
  }
}

/** An exception's message, or the thrown value as text. */
export const messageOf = (e: unknown): string => String((e as { message?: unknown } | null)?.message ?? e);

/** A refusal from SocketCore (an Error with a `code`) as a SteadySocketError carrying `data`. */
export function refusedWith(e: unknown, data: unknown): SteadySocketError {
  return new SteadySocketError((e as { code?: ErrorCode }).code ?? "error", messageOf(e), data);
}

/**
 * Reports a callback's exception the way the platform reports a throwing
 * event listener, so that it does not stop delivery to the others.
 */
export function reportError(e: unknown): void {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof report === "function") report(e);
  else
    queueMicrotask(() => {
      throw e;
    });
}
