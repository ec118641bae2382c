// Answers the core's request for the URL of one attempt: a string, a URL, or
// a function (sync or async) asked before every attempt.
import type { UrlSource } from "./types.js";
import type { GuardedCore } from "./lifetime.js";

export function checkUrl(url: unknown): asserts url is UrlSource {
  if (typeof url === "string" || typeof url === "function" || url instanceof URL) return;
  throw new TypeError(`the URL must be a string, a URL or a function returning one, got ${url === null ? "null" : typeof url}`);
}

const messageOf = (e: unknown): string => String((e as { message?: unknown } | null)?.message ?? e);

export function resolveUrl(core: GuardedCore, source: UrlSource, socket: number, attempt: number, protocols: string[], onUrl?: (url: string) => void): void {
  const fail = (e: unknown) => core.resolveFailed(socket, messageOf(e));
  const finish = (value: unknown) => {
    const url = value instanceof URL ? value.href : value;
    if (typeof url !== "string") return fail(`the URL provider returned ${url === null ? "null" : typeof url}, not a string`);
    onUrl?.(url);
    core.resolved(socket, url, protocols);
  };
  try {
    const url: unknown = typeof source === "function" ? source(attempt) : source;
    // A thenable whose then() throws fails this attempt like a rejection.
    const then = (url as { then?: unknown } | null)?.then;
    if (url && typeof then === "function") (url as PromiseLike<unknown>).then(finish, fail);
    else finish(url);
  } catch (e) {
    fail(e);
  }
}

// A subprotocol is an HTTP token (RFC 6455, section 4.1; RFC 9110, 5.6.2).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The protocols option as a list, checked as the platform's constructor
 * checks it, but now rather than at the first attempt: a SyntaxError names
 * the bad entry.
 */
export function protocolList(protocols: unknown): string[] {
  if (protocols === undefined || protocols === null) return [];
  const list: unknown[] | null = typeof protocols === "string" ? [protocols] : Array.isArray(protocols) ? protocols : null;
  if (list === null || !list.every((p): p is string => typeof p === "string")) {
    throw new TypeError(`option protocols must be a string or an array of strings, got ${Array.isArray(protocols) ? "an array with other values" : typeof protocols}`);
  }
  const seen = new Set<string>();
  for (const p of list as string[]) {
    if (!TOKEN.test(p)) {
      throw new SyntaxError(`option protocols: ${JSON.stringify(p)} is not a valid subprotocol (letters, digits and !#$%&'*+-.^_\`|~ only, not empty)`);
    }
    if (seen.has(p)) throw new SyntaxError(`option protocols: ${JSON.stringify(p)} is given twice`);
    seen.add(p);
  }
  return list as string[];
}
