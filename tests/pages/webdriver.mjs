// A minimal W3C WebDriver client, to drive Firefox through geckodriver (the
// page tests' playwright-core drives only Chromium here).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function firefox() {
  const driver = process.env.GECKODRIVER || "geckodriver";
  const port = await freePort();
  const child = spawn(driver, ["--port", String(port)], { stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const json = await res.json();
    if (json.value?.error) throw new Error(`${json.value.error}: ${json.value.message}`);
    return json.value;
  };
  for (let i = 0; i < 100; i++) {
    try {
      await call("GET", "/status");
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const binary = ["/usr/bin/firefox-esr", "/usr/bin/firefox"].find(existsSync);
  const session = await call("POST", "/session", {
    capabilities: { alwaysMatch: { "moz:firefoxOptions": { args: ["-headless"], ...(binary ? { binary } : {}) } } },
  });
  const id = session.sessionId;
  return {
    goto: (url) => call("POST", `/session/${id}/url`, { url }),
    run: (script, ...args) => call("POST", `/session/${id}/execute/sync`, { script, args }),
    async until(script, what, ms = 10000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (await call("POST", `/session/${id}/execute/sync`, { script, args: [] })) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Firefox: ${what} not within ${ms} ms`);
    },
    async quit() {
      try {
        await call("DELETE", `/session/${id}`);
      } finally {
        child.kill();
      }
    },
  };
}
