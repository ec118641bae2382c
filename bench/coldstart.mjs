// Cold start in Chromium: a page that renders text and connects at module top
// level (bench/cold/), with steadysocket and with partysocket, each load in a
// fresh browser context (empty caches), served from loopback. Measures
// (a) the first open event and (b) first contentful paint, both in
// milliseconds from navigation start (performance.now()), with and without
// preload hints. Pairs alternate which library loads first.
import { launchBrowser } from "../tests/pages/browser.mjs";

// A load whose paint entry is missing (NaN) is left out of its median.
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function load(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => typeof window.__open === "number", null, { timeout: 20000 });
    return await page.evaluate(() => ({
      open: window.__open,
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    }));
  } finally {
    await context.close();
  }
}

/** Medians of `pairs` alternating pairs per variant: { plain: {...}, preload: {...} }. */
export async function coldStart(server, pairs = 15) {
  const browser = await launchBrowser();
  const libs = ["steadysocket", "partysocket"];
  const out = {};
  try {
    for (const variant of ["plain", "preload"]) {
      const samples = Object.fromEntries(libs.map((l) => [l, { open: [], fcp: [] }]));
      const page = (lib) => `http://${server}/cold/${lib}${variant === "preload" ? "-preload" : ""}.html`;
      // One warm-up load each: the first context of a browser pays its start.
      for (const lib of libs) await load(browser, page(lib));
      for (let i = 0; i < pairs; i++) {
        for (const lib of i % 2 ? [...libs].reverse() : libs) {
          const r = await load(browser, page(lib));
          samples[lib].open.push(r.open);
          samples[lib].fcp.push(r.fcp);
        }
      }
      out[variant] = Object.fromEntries(
        libs.map((l) => [
          l,
          { open: median(samples[l].open), fcp: median(samples[l].fcp), n: samples[l].open.length, fcpMissing: samples[l].fcp.filter((x) => !Number.isFinite(x)).length },
        ]),
      );
    }
  } finally {
    await browser.close();
  }
  return out;
}
