// What is tested here: the Rust API in a Leptos 0.8 app (examples/leptos-chat,
// client-side rendering, outside the workspace). cargo builds it for wasm32
// and wasm-bindgen-cli (the setup's, the version the workspace pins) writes
// its glue; a test server serves it and its WebSocket endpoints; headless
// Chromium loads it. The connection state reaches the view through a signal,
// a message round-trips, exactly one connection reaches the server, and
// leaving the room (unmount) closes it.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, serveDir } from "./browser.mjs";

const root = new URL("../../", import.meta.url).pathname;
const app = join(root, "examples/leptos-chat");
const out = join(root, "test-output/leptos");

let context;
let stop;
before(async () => {
  context = await launch();
});
after(async () => {
  stop?.();
  await context?.close();
});

test("a Leptos app keeps the connection state in a signal, round-trips a message and closes on unmount", async () => {
  execFileSync("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown"], { cwd: app, stdio: "inherit" });
  mkdirSync(out, { recursive: true });
  execFileSync("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", out, join(app, "target/wasm32-unknown-unknown/release/leptos_chat.wasm")], { stdio: "inherit" });
  writeFileSync(join(out, "index.html"), `<!doctype html><meta charset="utf-8"><title>leptos-chat</title><link rel="icon" href="data:,"><script type="module">import init from "./leptos_chat.js"; init();</script>`);

  const served = await serveDir(out);
  stop = served.stop;
  const host = served.host;
  const scope = `leptos-${Date.now()}`;
  const echo = async () => (await (await fetch(`http://${host}/control/stats?test=${scope}`)).json()).endpoints["/echo"] ?? { accepted: 0, live: 0 };

  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://${host}/?test=${scope}`);
  assert.match(await page.evaluate(() => navigator.userAgent), /Chrome\//, "this step runs in Chromium");
  await page.locator("#state", { hasText: "Open" }).waitFor({ timeout: 15000 });
  await page.click("#send");
  await page.locator("#last", { hasText: "hello 1" }).waitFor({ timeout: 5000 });
  const stats = await echo();
  assert.equal(stats.accepted, 1, "one connection reached the server");
  assert.equal(stats.live, 1);

  await page.click("#leave");
  await page.locator("#left").waitFor();
  for (let i = 0; i < 50 && (await echo()).live > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await echo()).live, 0, "the socket closed on unmount");
  assert.deepEqual(errors, []);
  await page.close();
});
