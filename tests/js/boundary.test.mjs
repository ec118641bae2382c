// What is tested here, with node:test and no network: the one declaration of
// the wasm boundary (crates/npm/boundary.json). The JS tables are generated
// from it at build time, the Rust tables too; these tests read the schema
// itself, so that an option added there is covered without a line here: it
// must land in its engine field with its unit, and its documented default
// must be the engine's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { platform } from "./helpers.mjs";
import { initResume, SteadySocket } from "../../dist/index.js";
import { SocketCore } from "../../pkg/steadysocket.js";
import { KIND, SEND_OUTCOME, SLOTS } from "../../dist/generated/boundary.js";

const schema = JSON.parse(readFileSync(new URL("../../crates/npm/boundary.json", import.meta.url), "utf8"));
const make = (options) => new SteadySocket("ws://127.0.0.1:9/", { ...platform, startClosed: true, ...options });

test("the generated JS tables are what boundary.json declares (the build's output is current)", () => {
  const out = execFileSync(process.execPath, [new URL("../../scripts/gen-boundary.mjs", import.meta.url).pathname, "--check"]).toString();
  assert.match(out, /matches/);
  assert.deepEqual(Object.keys(KIND), schema.kinds);
  assert.deepEqual([...SEND_OUTCOME], schema.sendOutcomes);
});

test("every option with a unit lands in its own engine field, in its unit (one distinct value each)", () => {
  // A distinct legal value per option: two options wired to one field, or a
  // field read in the wrong unit, read back wrong.
  const given = {};
  let n = 0;
  for (const o of schema.options.filter((o) => o.unit)) {
    n++;
    given[o.name] = {
      ms: 1000 + 37 * n,
      count: 100 + 11 * n,
      bytes: 300_000 + 4099 * n,
      factor: 1 + n / 64,
      bool: o.default === true ? false : true,
    }[o.unit];
  }
  // What the engine checks between options: keep it satisfied.
  given.maxDelay = Math.max(given.maxDelay, given.initialDelay);
  given.highWatermark = Math.max(given.highWatermark, given.lowWatermark);
  const snapshot = make(given).configSnapshot();
  for (const [name, value] of Object.entries(given)) assert.deepEqual(snapshot[name], value, `option ${name}`);
  assert.ok(n >= 15, `only ${n} options with a unit in boundary.json`);
});

test("every documented default is the engine's default (read back with configSnapshot)", async () => {
  const snapshot = make({}).configSnapshot();
  const documented = schema.options.filter((o) => "default" in o);
  for (const o of documented) {
    const want = o.default === "Infinity" ? Infinity : o.default;
    assert.deepEqual(snapshot[o.name], want, `the default of ${o.name}`);
  }
  assert.ok(documented.length >= 20);
  const heartbeat = make({ heartbeat: true }).configSnapshot().heartbeat;
  for (const h of schema.heartbeat.filter((h) => "default" in h)) assert.equal(heartbeat[h.name], h.default, `heartbeat.${h.name}`);
  // Sockets with resume use the resume module: loaded once, then at once.
  await initResume();
  const resume = make({ resume: true }).configSnapshot().resume;
  for (const r of schema.resume) assert.equal(resume[r.name], r.default, `resume.${r.name}`);
  assert.deepEqual(make({ resume: { maxUnackedMessages: 7, maxUnackedBytes: 4096 } }).configSnapshot().resume, { maxUnackedMessages: 7, maxUnackedBytes: 4096 });
  assert.throws(() => make({ resume: { maxUnackedMessages: 0 } }), /invalid option resume.maxUnackedMessages: must be above zero/);
  assert.throws(() => make({ resume: { window: 3 } }), /unknown option resume.window/);
  assert.throws(() => make({ resume: "yes" }), /resume/);
});

test("an options array of another build is refused with a message, not misread", () => {
  const f = () => {};
  assert.throws(
    () => new SocketCore(new Float64Array(SLOTS - 1).fill(NaN), undefined, undefined, undefined, undefined, undefined, f, f),
    new RegExp(`options array has ${SLOTS - 1} slots where this wasm module reads ${SLOTS}: the package's JavaScript and wasm are from different builds`),
  );
});
