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
  let url;
  try {
    url = typeof source === "function" ? source(attempt) : source;
  } catch (e) {
    return fail(e);
  }
  if (url && typeof url.then === "function") url.then(finish, fail);
  else finish(url);
}

export function protocolList(protocols) {
  if (protocols === undefined) return [];
  return typeof protocols === "string" ? [protocols] : Array.from(protocols);
}
