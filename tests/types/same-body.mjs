// The two drop-in type tests share their body: only the import differs.
import { readFileSync } from "node:fs";
const body = (f) => readFileSync(new URL(f, import.meta.url), "utf8").split("// --- body ---")[1];
const ours = body("./dropin-steadysocket.ts");
if (!ours || ours !== body("./dropin-partysocket.ts")) {
  console.error("tests/types/dropin-*.ts differ beyond their import");
  process.exit(1);
}
console.log("the drop-in type test is partysocket's file with another import");
