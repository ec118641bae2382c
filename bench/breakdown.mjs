// Where the package's wasm bytes go: every function's size (binaryen's
// `wasm-opt --func-metrics`) in a build that kept function names, summed by
// the crate or part it belongs to. scripts/bench.sh makes that build, with the
// same flags as the package's, and passes its path in STEADYSOCKET_NAMED_WASM.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";

/** The part a function belongs to, from its (demangled) name. */
function part(name) {
  if (/ (externref|multivalue) shim/.test(name) || /^socketcore_|^__wbg_|^diagnostics$|^version$/.test(name)) return "JS export shims (wasm-bindgen)";
  if (/^__wbindgen|^__externref|^wasm_bindgen__/.test(name)) return "wasm-bindgen runtime";
  const crate = name.match(/^<*([A-Za-z_][A-Za-z0-9_]*)\[/)?.[1] ?? name.match(/^<*([A-Za-z_][A-Za-z0-9_]*)::/)?.[1];
  switch (crate) {
    case "steadysocket_engine":
      return "engine (steadysocket-engine)";
    case "steadysocket":
      return "web adapter (steadysocket::web)";
    case "steadysocket_npm":
      return "JS facade (crates/npm)";
    case "core":
    case "alloc":
    case "std":
    case "compiler_builtins":
    case "__rustc":
      return "core, alloc, std";
    case "talc":
      return "allocator (talc)";
    case "wasm_bindgen":
    case "js_sys":
    case "web_sys":
    case "wasm_bindgen_futures":
      return "wasm-bindgen, js-sys, web-sys";
    default:
      return "other";
  }
}

/**
 * { total, code, parts: [[part, bytes]], top: [[name, bytes]] } of the named
 * wasm at `file`; `shipped` is the package's module (no names), whose size
 * less the code is its data, tables, imports and exports.
 */
export function breakdown(file, shipped) {
  const out = execFileSync(new URL("../node_modules/.bin/wasm-opt", import.meta.url).pathname, [file, "--func-metrics", "--all-features", "-o", "/dev/null"], { maxBuffer: 1 << 28 }).toString();
  const funcs = [];
  let name = null;
  for (const line of out.split("\n")) {
    const f = line.match(/^func: (.*)$/);
    if (f) name = f[1];
    const b = line.match(/^ \[binary-bytes\] : (\d+)/);
    if (b && name) {
      funcs.push([name, Number(b[1])]);
      name = null;
    }
  }
  const parts = new Map();
  for (const [n, bytes] of funcs) parts.set(part(n), (parts.get(part(n)) ?? 0) + bytes);
  const code = funcs.reduce((a, [, b]) => a + b, 0);
  const total = statSync(shipped).size;
  return {
    total,
    code,
    parts: [...parts].sort((a, b) => b[1] - a[1]).concat([["data, tables, imports, exports", total - code]]),
    top: funcs.sort((a, b) => b[1] - a[1]).slice(0, 8),
  };
}
