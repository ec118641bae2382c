// Answers the core's request for the URL of one attempt: a string, a URL, or
// a function (sync or async) asked before every attempt.

export function checkUrl(url) {
  if (typeof url === "string" || typeof url === "function" || url instanceof URL) return;
  throw new TypeError(`the URL must be a string, a URL or a function returning one, got ${url === null ? "null" : typeof url}`);
}

export function resolveUrl(core, source, socket, attempt, protocols, onUrl) {
  const fail = (e) => core.resolveFailed(socket, String(e?.message ?? e));
  const finish = (url) => {
    if (url instanceof URL) url = url.href;
    if (typeof url !== "string") return fail(`the URL provider returned ${url === null ? "null" : typeof url}, not a string`);
    onUrl?.(url);
    core.resolved(socket, url, protocols);
  };
  try {
    const url = typeof source === "function" ? source(attempt) : source;
    // A thenable whose then() throws fails this attempt like a rejection.
    if (url && typeof url.then === "function") url.then(finish, fail);
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
export function protocolList(protocols) {
  if (protocols === undefined || protocols === null) return [];
  const list = typeof protocols === "string" ? [protocols] : Array.isArray(protocols) ? protocols : null;
  if (list === null || !list.every((p) => typeof p === "string")) {
    throw new TypeError(`option protocols must be a string or an array of strings, got ${Array.isArray(protocols) ? "an array with other values" : typeof protocols}`);
  }
  const seen = new Set();
  for (const p of list) {
    if (!TOKEN.test(p)) {
      throw new SyntaxError(`option protocols: ${JSON.stringify(p)} is not a valid subprotocol (letters, digits and !#$%&'*+-.^_\`|~ only, not empty)`);
    }
    if (seen.has(p)) throw new SyntaxError(`option protocols: ${JSON.stringify(p)} is given twice`);
    seen.add(p);
  }
  return list;
}
