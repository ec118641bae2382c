// The size budget check of the test command: measures every entry point of the
// built package (bench/sizes.mjs) and fails if one is over its budget in
// bench/size-budgets.json, or if an entry has no budget. Prints one line per
// entry. Usage: node scripts/check-size.mjs   (after scripts/build.sh)
import { readFileSync } from "node:fs";
import { ENTRIES, measureEntries, root } from "../bench/sizes.mjs";

const { budgets } = JSON.parse(readFileSync(root + "bench/size-budgets.json", "utf8"));
const sizes = measureEntries();
let failed = false;
for (const name of Object.keys(ENTRIES)) {
  const { wasm, js, total } = sizes[name];
  const budget = budgets[name];
  const line = `${name}: ${total.gzip} B gzip (wasm ${wasm.gzip} + JS ${js.gzip})`;
  if (typeof budget !== "number" || budget <= 0) {
    console.log(`${line}; no budget in bench/size-budgets.json`);
    failed = true;
  } else if (total.gzip > budget) {
    console.log(`${line} is over its budget of ${budget} B by ${total.gzip - budget} B`);
    failed = true;
  } else {
    console.log(`${line}, within its budget of ${budget} B (${((100 * total.gzip) / budget).toFixed(1)} %)`);
  }
}
if (!failed) console.log("sizes: every entry within its budget");
process.exit(failed ? 1 : 0);
