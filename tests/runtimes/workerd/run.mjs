// Runs the edge smoke test under workerd: lays out the worker's modules in a
// temporary folder, starts workerd on a free port, asks the worker to run the
// test, prints the results and stops workerd.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { report } from "../smoke.mjs";

const here = new URL(".", import.meta.url).pathname;
const root = new URL("../../../", import.meta.url).pathname;
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
mkdirSync(join(dir, "js/generated"), { recursive: true });
mkdirSync(join(dir, "pkg"));
// The package's compiled JavaScript (dist/, from js/ by tsc), generated tables included.
const jsFiles = readdirSync(join(root, "dist"), { recursive: true }).filter((f) => f.endsWith(".js"));
for (const f of jsFiles) copyFileSync(join(root, "dist", f), join(dir, "js", f));
copyFileSync(join(root, "pkg/steadysocket.js"), join(dir, "pkg/steadysocket.js"));
copyFileSync(join(root, "pkg/steadysocket_bg.wasm"), join(dir, "pkg/steadysocket_bg.wasm"));
copyFileSync(join(here, "worker.mjs"), join(dir, "worker.mjs"));
copyFileSync(join(here, "../smoke.mjs"), join(dir, "smoke.mjs"));

const port = await freePort();
const modules = [
  `(name = "worker.mjs", esModule = embed "worker.mjs")`,
  `(name = "smoke.mjs", esModule = embed "smoke.mjs")`,
  ...jsFiles.map((f) => `(name = "js/${f}", esModule = embed "js/${f}")`),
  `(name = "pkg/steadysocket.js", esModule = embed "pkg/steadysocket.js")`,
  `(name = "pkg/steadysocket_bg.wasm", wasm = embed "pkg/steadysocket_bg.wasm")`,
];
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
