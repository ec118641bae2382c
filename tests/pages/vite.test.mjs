// What is tested here: the package from a Vite app. tests/vite-app installs
// steadysocket as a dependency; Vite builds it; a test server serves the build
// (and the WebSocket endpoints); headless Chromium loads it and sees a round
// trip.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "./browser.mjs";

const root = new URL("../../", import.meta.url).pathname;
const app = join(root, "tests/vite-app");
const dist = join(root, "test-output/vite-dist");

let context;
let server;
before(async () => {
  context = await launch();
});
after(async () => {
  server?.kill();
  await context?.close();
});

test("a Vite build of an app that imports steadysocket works in Chromium", async () => {
  const vite = join(app, "node_modules/vite/bin/vite.js");
  execFileSync(process.execPath, [vite, "build", "--outDir", dist], { cwd: app, stdio: "inherit" });
  const assets = readdirSync(join(dist, "assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `no wasm among ${assets}`);

  const portFile = join(mkdtempSync(join(tmpdir(), "vite-")), "port");
  server = spawn(join(root, "target/debug/steadysocket-test-server"), ["--port", "0", "--www", dist, "--port-file", portFile], {
    stdio: "ignore",
  });
  let port;
  for (let i = 0; i < 100 && !port; i++) {
    try {
      port = readFileSync(portFile, "utf8");
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  assert.match(await page.evaluate(() => navigator.userAgent), /Chrome\//, "this step runs in Chromium");
  await page.locator("#status", { hasText: "round trip ok" }).waitFor({ timeout: 15000 });
  assert.deepEqual(errors, []);
});
