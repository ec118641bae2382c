// Runs the edge smoke test under workerd: bundles the worker into a temporary
// folder, starts workerd on a free port, asks the worker to run the
// test, prints the results and stops workerd.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { report } from "../smoke.mjs";

const here = new URL(".", import.meta.url).pathname;
const workerd = new URL("../node_modules/@cloudflare/workerd-linux-64/bin/workerd", import.meta.url).pathname;
const server = process.env.STEADYSOCKET_TEST_SERVER;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), "steadysocket-workerd-"));
// The worker is bundled as wrangler bundles one: esbuild with the workerd
// export conditions, .wasm imports kept as modules of their own. So the
// package's workerd entry, and no line of the worker's, gives it the module.
await build({
  entryPoints: [join(here, "worker.mjs")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  loader: { ".wasm": "copy" },
  outdir: dir,
  logLevel: "warning",
});
const wasmFiles = readdirSync(dir).filter((f) => f.endsWith(".wasm"));
// The main module and the resume module, each imported as a .wasm module.
if (wasmFiles.length !== 2) throw new Error(`the bundle should import two wasm modules (main and resume), found ${wasmFiles.length}: the workerd condition was not used`);

const port = await freePort();
const modules = [`(name = "worker.js", esModule = embed "worker.js")`, ...wasmFiles.map((f) => `(name = "${f}", wasm = embed "${f}")`)];
writeFileSync(
  join(dir, "config.capnp"),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(",\n    ")}],
  compatibilityDate = "2026-03-17",
  bindings = [(name = "SERVER", text = "${server}")],
  globalOutbound = "net",
);
`,
);

const child = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "inherit", "inherit"] });
let failed = 1;
try {
  let results;
  for (let i = 0; i < 100 && !results; i++) {
    try {
      results = await (await fetch(`http://127.0.0.1:${port}/`)).json();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  failed = report("workerd", results ?? [{ name: "the worker answered", ok: false }]);
} finally {
  child.kill();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
