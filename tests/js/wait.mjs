// Waiting for a condition, in the Node tests and the soaks: no Node API and
// no test server needed.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `check()` (which may return a promise) is true; rejects naming `what` after `ms`. */
export async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
