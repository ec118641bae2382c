// Launches the system Chromium through playwright-core for page tests.
// Never downloads a browser: the executable comes from the machine.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CANDIDATES = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function serverUrl(path = "/") {
  const addr = process.env.STEADYSOCKET_TEST_SERVER;
  if (!addr) throw new Error("STEADYSOCKET_TEST_SERVER is not set: run scripts/test.sh");
  return `http://${addr}${path}`;
}

export const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function executable() {
  const executablePath = CANDIDATES.find((p) => p && existsSync(p));
  if (!executablePath) throw new Error("no Chromium found: run scripts/setup.sh");
  return executablePath;
}

/** One browser context with a profile of its own. */
export async function launch(extraArgs = []) {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "steadysocket-chromium-")), {
    executablePath: executable(),
    headless: true,
    args: [...ARGS, ...extraArgs],
  });
}

/** A browser whose newContext() gives fresh contexts (empty caches): for cold starts. */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: executable(), headless: true, args: [...ARGS, ...extraArgs] });
}

export const OUTPUT = new URL("../../test-output/", import.meta.url).pathname;

/**
 * A test server of its own serving `dir` (a built app) and its WebSocket
 * endpoints; returns its address and a function that stops it.
 */
export async function serveDir(dir) {
  const portFile = join(mkdtempSync(join(tmpdir(), "serve-")), "port");
  const binary = new URL("../../target/debug/steadysocket-test-server", import.meta.url).pathname;
  const server = spawn(binary, ["--port", "0", "--www", dir, "--port-file", portFile], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      return { host: `127.0.0.1:${readFileSync(portFile, "utf8")}`, stop: () => server.kill() };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  server.kill();
  throw new Error("the test server did not start");
}
