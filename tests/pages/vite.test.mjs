// What is tested here: the package in a Vite + React + TypeScript app
// (tests/vite-app, written from the package README, installing steadysocket
// as a dependency). The app type-checks under tsc --strict; its Vitest tests
// run in the node and jsdom environments; Vite builds it in
// development mode (React's development build: StrictMode mounts twice) and
// in production mode; a test server serves each build and its WebSocket
// endpoints; headless Chromium loads it. With the wasm module's response held
// back, the app has rendered and a send is queued: the first render never
// waits for the module. Then, per build:
// - exactly one connection reaches the server (StrictMode's first socket is
//   disposed before it connects), and the queued message is echoed;
// - switching rooms (the hook's key) replaces the socket, and a message
//   queued while the server refused connections is carried to the new one;
// - leaving (unmount) closes the connection.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { launch, serveDir } from "./browser.mjs";

const root = new URL("../../", import.meta.url).pathname;
const app = join(root, "tests/vite-app");

let context;
const servers = [];
before(async () => {
  context = await launch();
});
after(async () => {
  for (const stop of servers) stop();
  await context?.close();
});

test("the Vite + React app type-checks under tsc --strict", () => {
  execFileSync(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", app], { stdio: "inherit" });
});

test("under Vitest, in its node and jsdom environments, the package works with no init line", () => {
  // The wasm is read synchronously from the package's folder in both (a
  // file: URL and a file reader are there, jsdom or not).
  const out = execFileSync(process.execPath, [join(app, "node_modules/vitest/vitest.mjs"), "run", "--root", app], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  console.log(out);
  assert.match(out, /jsdom.*src\/socket\.test\.ts \(3 tests\)/);
  assert.match(out, /node.*src\/socket\.test\.ts \(3 tests\)/);
  assert.match(out, /Tests\s+6 passed \(6\)/);
});

for (const mode of ["development", "production"]) {
  test(`a ${mode} build of the React app: first render without the wasm, one connection under StrictMode, a key change carries queued messages, unmount closes`, async () => {
    const dist = join(root, `test-output/vite-${mode}`);
    execFileSync(process.execPath, [join(app, "node_modules/vite/bin/vite.js"), "build", "--mode", mode, "--outDir", dist], { cwd: app, stdio: "inherit" });
    const assets = readdirSync(join(dist, "assets"));
    assert.ok(assets.some((f) => f.endsWith(".wasm")), `no wasm among ${assets}`);
    const { host, stop } = await serveDir(dist);
    servers.push(stop);
    const scope = `vite-${mode}-${Date.now()}`;
    const control = (action, query = "") => fetch(`http://${host}/control/${action}?test=${scope}&${query}`, { method: "POST" }).then((r) => r.json());
    const echo = async () => (await (await fetch(`http://${host}/control/stats?test=${scope}`)).json()).endpoints["/echo"] ?? { accepted: 0, live: 0 };

    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    let release;
    const held = new Promise((resolve) => (release = resolve));
    let wasmRequested = false;
    await page.route("**/*.wasm", async (route) => {
      wasmRequested = true;
      await held;
      await route.continue();
    });
    await page.goto(`http://${host}/?test=${scope}`);
    assert.match(await page.evaluate(() => navigator.userAgent), /Chrome\//, "this step runs in Chromium");
    const text = (id) => page.locator(`#${id}`).textContent();

    // The module is held back: the app has rendered, and its socket is usable.
    await page.locator("#state", { hasText: "connecting" }).waitFor({ timeout: 10000 });
    assert.equal(await text("title"), "steadysocket in React");
    assert.ok(wasmRequested, "the module was requested (and is held)");
    await page.click("#send");
    assert.equal(await text("last"), "nothing yet");
    assert.equal(await page.evaluate(() => window.mounts), mode === "development" ? 2 : 1, "StrictMode mounts twice in development only");
    release();
    await page.locator("#last", { hasText: "lobby: hello 0" }).waitFor({ timeout: 10000 });
    assert.equal(await text("state"), "open");
    let stats = await echo();
    assert.equal(stats.accepted, 1, "one connection reached the server");
    assert.equal(stats.live, 1);

    // The server refuses connections and drops this one: a send queues, then
    // the room changes (a new socket), which takes the queued message along.
    await control("refuse", "ms=1500");
    await control("drop");
    await page.locator("#state", { hasText: /waiting|connecting/ }).waitFor({ timeout: 5000 });
    await page.click("#send");
    await page.click("#switch");
    assert.equal(await text("room"), "kitchen");
    await page.locator("#last", { hasText: "lobby: hello 1" }).waitFor({ timeout: 10000 });
    stats = await echo();
    assert.equal(stats.accepted, 2, "the new room's socket connected once");
    assert.equal(stats.live, 1, "the old socket is gone");

    // Leaving the room unmounts the hook: its socket closes.
    await page.click("#leave");
    await page.locator("#left").waitFor();
    for (let i = 0; i < 50 && (await echo()).live > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await echo()).live, 0, "no connection left after unmount");
    assert.deepEqual(errors, []);
    await page.close();
  });
}
