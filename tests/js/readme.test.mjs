// What is tested here: the npm package's own README (js/README.md, shipped as
// the package's README.md). Its options table names every option, each with
// the default the engine really has (configSnapshot's, from the same
// declaration as the code), and it holds no contributor material.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DEFAULTS, KNOWN } from "../../dist/generated/boundary.js";

const readme = readFileSync(new URL("../../js/README.md", import.meta.url), "utf8");

/** The options table's rows: option name(s) -> the default column. */
function optionRows() {
  const section = readme.slice(readme.indexOf("### Options"), readme.indexOf("## MessagePack"));
  const rows = new Map();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || !cells[1].startsWith("`")) continue;
    const names = [...cells[1].matchAll(/`([A-Za-z]+)/g)].map((m) => m[1]);
    const defaults = names.length > 1 ? cells[2].split(",").map((d) => d.trim()) : [cells[2]];
    names.forEach((name, i) => rows.set(name, defaults[i]));
  }
  return rows;
}

test("the package README's options table names every option with its real default", () => {
  const rows = optionRows();
  for (const name of [...KNOWN, "codec", "startClosed"]) assert.ok(rows.has(name), `the options table lacks ${name}`);
  const shown = (v) => {
    if (v === null) return "none";
    if (typeof v === "string" && v !== "Infinity") return JSON.stringify(v).replace(/^"(.*)"$/, '`"$1"`');
    if (Array.isArray(v)) return `\`[${v.join(", ")}]\``;
    if (typeof v === "boolean") return `\`${v}\``;
    return String(v);
  };
  for (const [name, value] of Object.entries(DEFAULTS)) {
    assert.equal(rows.get(name), shown(value), `the default of ${name}`);
  }
});

test("the package README is for users: no scripts, toolchains, issue numbers or repository paths", () => {
  for (const pattern of [/scripts\//, /tests\//, /crates\//, /\bcargo\b/, /rustup/, /#\d+/, /\]\((?!https?:)[^)#]/, /\.\.\//]) {
    assert.doesNotMatch(readme, pattern);
  }
});
