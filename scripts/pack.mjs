// Lays out the npm package as it is published, in target/npm/: what
// package.json's `files` selects (as npm itself lists it), the package's own
// README (js/README.md, for users; the repository's README is for
// contributors), the licences and the changelog, and a package.json without
// the repository's scripts and dev dependencies. Prints the folder; `npm
// pack` or `npm publish` run there. Usage: node scripts/pack.mjs
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = new URL("../", import.meta.url).pathname;
const out = join(root, "target/npm");

const listed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }))[0].files.map((f) => f.path);
rmSync(out, { recursive: true, force: true });
for (const path of listed) {
  if (path === "package.json" || path === "README.md") continue;
  mkdirSync(dirname(join(out, path)), { recursive: true });
  copyFileSync(join(root, path), join(out, path));
}
copyFileSync(join(root, "js/README.md"), join(out, "README.md"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
delete pkg.scripts;
delete pkg.devDependencies;
writeFileSync(join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(out);
