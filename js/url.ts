// Answers the core's request for the URL of one attempt: a string, a URL, or
// a function (sync or async) asked before every attempt.
import { messageOf } from "./events.js";
import type { UrlSource } from "./types.js";
import type { GuardedCore } from "./lifetime.js";

export function checkUrl(url: unknown): asserts url is UrlSource {
  if (typeof url === "function") return;
  if (typeof url === "string" || url instanceof URL) return checkWsUrl(String(url));
  throw new TypeError(`the URL must be a string, a URL or a function returning one, got ${url === null ? "null" : typeof url}`);
}

const SCHEMES = ["ws:", "wss:", "http:", "https:"];

/**
 * What the platform's WebSocket constructor would refuse, refused now with
 * the same SyntaxError: a URL that cannot be parsed (against the page's
 * address where there is one, as the platform resolves relative URLs), a
 * scheme other than ws, wss, http or https (http maps to ws), or a fragment.
 * A URL from a provider is checked by the platform, at each attempt.
 */
function checkWsUrl(text: string): void {
  const base = (globalThis as { location?: { href?: unknown } }).location?.href;
  let parsed: URL;
  try {
    parsed = typeof base === "string" ? new URL(text, base) : new URL(text);
  } catch {
    throw new DOMException(`invalid WebSocket URL "${text}": it cannot be parsed as a URL`, "SyntaxError");
  }
  if (!SCHEMES.includes(parsed.protocol)) {
    throw new DOMException(`invalid WebSocket URL "${text}": its scheme is ${parsed.protocol}, where ws:, wss:, http: or https: is expected`, "SyntaxError");
  }
  if (parsed.hash !== "" || text.includes("#")) {
    throw new DOMException(`invalid WebSocket URL "${text}": a WebSocket URL has no fragment (#)`, "SyntaxError");
  }
}

/** `value` now, or once it settles if it is a thenable (one whose then() throws fails like a rejection). */
function settle(value: unknown, done: (v: unknown) => void, fail: (e: unknown) => void): void {
  const then = (value as { then?: unknown } | null)?.then;
  if (value && typeof then === "function") (value as PromiseLike<unknown>).then(done, fail);
  else done(value);
}

/**
 * Answers the core's request for the endpoint of one attempt: the URL (or
 * what the URL provider gives) and the protocols, a list or a provider
 * (sync or async) asked before every attempt.
 */
export function resolveUrl(core: GuardedCore, source: UrlSource, socket: number, attempt: number, protocols: string[] | (() => unknown)): void {
  const fail = (e: unknown) => core.resolveFailed(socket, messageOf(e));
  const withProtocols = (url: string) => {
    if (typeof protocols !== "function") return core.resolved(socket, url, protocols);
    try {
      settle(protocols(), (list) => {
        try {
          core.resolved(socket, url, protocolList(list));
        } catch (e) {
          fail(e);
        }
      }, fail);
    } catch (e) {
      fail(e);
    }
  };
  try {
    const url: unknown = typeof source === "function" ? source(attempt) : source;
    settle(url, (value) => {
      const href = value instanceof URL ? value.href : value;
      if (typeof href !== "string") return fail(`the URL provider returned ${href === null ? "null" : typeof href}, not a string`);
      withProtocols(href);
    }, fail);
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
