// What is tested here: the README's Node quick start, copied into a new
// project that installs the packed package (npm pack, as published), runs
// against the test server and prints what the README says it prints. This also
// proves that package.json's `files` and `exports` are complete.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const major = Number(process.versions.node.split(".")[0]);

test("the README quick start works in a new project", { skip: major < 22 && "the quick start is for Node 22 (Node 20 needs `ws`)" }, () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = readme.match(/<!-- quickstart:node -->\s*```js\n([\s\S]*?)```/);
  assert.ok(block, "the README has no quick start block");
  const code = block[1].replace("ws://localhost:8080/echo", `ws://${process.env.STEADYSOCKET_TEST_SERVER}/echo?test=quickstart-${Date.now()}`);

  const dir = mkdtempSync(join(tmpdir(), "steadysocket-quickstart-"));
  const npm = (args) => execFileSync("npm", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  // The package as published: scripts/pack.mjs lays it out (its own README, the licences).
  const staged = execFileSync(process.execPath, [join(root, "scripts/pack.mjs")], { encoding: "utf8" }).trim();
  const tarball = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir], { cwd: staged, encoding: "utf8" }).trim();
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "quickstart", private: true, type: "module" }));
  npm(["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", join(dir, tarball.split("\n").pop())]);
  writeFileSync(join(dir, "quickstart.mjs"), code);
  const out = execFileSync(process.execPath, ["quickstart.mjs"], { cwd: dir, encoding: "utf8", timeout: 20000 });
  assert.match(out, /^queued$/m);
  assert.match(out, /\{ hello: 'world' \}/);
  const shipped = readFileSync(join(dir, "node_modules/steadysocket/README.md"), "utf8");
  assert.equal(shipped, readFileSync(join(root, "js/README.md"), "utf8"), "the package's README is js/README.md");

  // The MessagePack module is in the tarball too, and loads on first use, with no init call.
  const probe = `import { msgpack } from "steadysocket/msgpack";
    console.log(JSON.stringify(msgpack.decode(msgpack.encode({ packed: [1, "two"] }).buffer)));`;
  writeFileSync(join(dir, "msgpack.mjs"), probe);
  const packed = execFileSync(process.execPath, ["msgpack.mjs"], { cwd: dir, encoding: "utf8", timeout: 20000 });
  assert.equal(packed.trim(), JSON.stringify({ packed: [1, "two"] }));
});
