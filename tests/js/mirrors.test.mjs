// What is tested here: the tables the JS side mirrors from the Rust side by
// hand stay in step (until they are generated from one declaration): the
// dispatcher's event kinds (crates/npm/src/events.rs against js/events.js) and the
// options array's slots past the numeric ones (crates/npm/src/options.rs against
// js/options.js). The option slots' meaning is tested end to end by
// options.test.mjs (configSnapshot); this catches a kind or slot added on one
// side only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { KIND } from "../../js/events.js";

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const rustConsts = (source, type) =>
  Object.fromEntries([...source.matchAll(new RegExp(`pub const (\\w+): ${type} = (\\d+);`, "g"))].map((m) => [m[1], Number(m[2])]));

test("the event kinds of crates/npm/src/events.rs and js/events.js are the same table", () => {
  const rust = rustConsts(read("crates/npm/src/events.rs"), "u8");
  assert.ok(Object.keys(rust).length >= 10, "the Rust table was not found");
  assert.deepEqual(rust, { ...KIND });
});

test("the options array's slots of crates/npm/src/options.rs and js/options.js are the same table", () => {
  const rust = rustConsts(read("crates/npm/src/options.rs"), "usize");
  const js = read("js/options.js");
  const numeric = [...js.slice(js.indexOf("const NUMERIC = ["), js.indexOf("];", js.indexOf("const NUMERIC = ["))).matchAll(/\["(\w+)"/g)].map((m) => m[1]);
  const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  const expected = Object.fromEntries(numeric.map((name, slot) => [snake(name), slot]));
  for (const m of js.matchAll(/^const (\w+) = (\d+);/gm)) if (m[1] !== "SLOTS") expected[m[1]] = Number(m[2]);
  assert.deepEqual(rust, expected);
  const slots = Number(/^const SLOTS = (\d+);/m.exec(js)[1]);
  assert.equal(slots, Math.max(...Object.values(rust)) + 1, "SLOTS is one past the last slot");
});
