// What each entry point of the package costs a page: its JS bundled and
// minified by esbuild (as a bundler ships it) plus its wasm module, each
// compressed on its own (as a server sends them) and summed. Shared by the
// benchmark (bench/run.mjs) and the size budget check of the test command
// (scripts/check-size.mjs), so that both measure the same way.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

export const root = new URL("../", import.meta.url).pathname;

export const size = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

export const sum = (...sizes) => ({
  raw: sizes.reduce((a, s) => a + s.raw, 0),
  gzip: sizes.reduce((a, s) => a + s.gzip, 0),
  brotli: sizes.reduce((a, s) => a + s.brotli, 0),
});

/**
 * `source` (an ES module, its imports relative to the package root) bundled
 * and minified by esbuild with code splitting, as an app's bundler does: what
 * is imported dynamically (the resume module) goes to a chunk of its own,
 * loaded only when used. Returns the entry chunk.
 */
export const bundle = (source, external = []) => {
  const dir = root + "target/sizes/";
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(dir + "entry.mjs", source.replaceAll('"./', '"../../'));
  execFileSync(
    root + "node_modules/.bin/esbuild",
    [dir + "entry.mjs", "--bundle", "--minify", "--format=esm", "--splitting", `--outdir=${dir}out`, `--metafile=${dir}meta.json`, "--log-level=error", ...external.map((e) => `--external:${e}`)],
    { cwd: root },
  );
  // The entry chunk and every chunk it imports statically (shared code goes
  // to chunks of its own); the dynamically imported ones are not loaded.
  const { outputs } = JSON.parse(readFileSync(dir + "meta.json", "utf8"));
  const needed = new Set();
  const visit = (path) => {
    if (needed.has(path)) return;
    needed.add(path);
    for (const i of outputs[path].imports) if (i.kind === "import-statement" && outputs[i.path]) visit(i.path);
  };
  visit(Object.keys(outputs).find((p) => p.endsWith("out/entry.js")));
  return Buffer.concat([...needed].map((p) => readFileSync(root + p)));
};

/** The package's entry points: what an app imports, and which wasm it loads. */
export const ENTRIES = {
  // Everything the main entry exports.
  steadysocket: { js: `export * from "./dist/index.js";`, wasm: "pkg/steadysocket_bg.wasm" },
  // The drop-in alone, as an app ported from partysocket imports it.
  "drop-in": { js: `export { ReconnectingWebSocket } from "./dist/index.js";`, wasm: "pkg/steadysocket_bg.wasm" },
  // The React hook, with SteadySocket under it (React itself is the app's).
  react: { js: `export * from "./dist/react.js";`, wasm: "pkg/steadysocket_bg.wasm", external: ["react"] },
  // The optional MessagePack module (its own wasm).
  msgpack: { js: `export * from "./dist/msgpack.js";`, wasm: "pkg/msgpack/steadysocket_msgpack_bg.wasm" },
  // A page whose sockets use the resume option: the main JS with the resume
  // module's (its chunk), and the resume wasm instead of the main one.
  resume: { js: `export * from "./dist/index.js"; export * from "./dist/resume-module.js";`, wasm: "pkg/resume/steadysocket_resume_bg.wasm" },
  // The resume protocol's Node server adapter (no wasm; ws is the app's).
  server: { js: `export * from "./dist/server.js";`, wasm: null },
  // Its sessions in Redis (ioredis is the app's).
  "server-redis": { js: `export * from "./dist/server-redis.js";`, wasm: null },
};

/** Each entry's sizes: { wasm, js, total } with raw, gzip and brotli bytes. */
export function measureEntries() {
  const out = {};
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const wasm = entry.wasm ? size(readFileSync(root + entry.wasm)) : size(Buffer.alloc(0));
    const js = size(bundle(entry.js, entry.external));
    out[name] = { wasm, js, total: sum(wasm, js) };
  }
  return out;
}
