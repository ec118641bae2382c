// What is tested here: the MessagePack module (steadysocket/msgpack) converts
// between MessagePack and JS values with nothing changed silently. Random
// values (seeded) of every kind (integers small and beyond 2^53 as BigInt,
// floats with NaN, ±Infinity and -0, strings, binary, Dates, arrays, objects
// with "__proto__" keys, Maps with non-string keys, deep nesting) go:
// - through our encoder and decoder and come back equal;
// - through our encoder into @msgpack/msgpack's decoder (useBigInt64), and
//   from its encoder into ours, and come back equal: an independent
//   implementation reads what we write and we read what it writes;
// and what has no MessagePack form is a TypeError that says so.
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { decode as theirDecode, encode as theirEncode } from "@msgpack/msgpack";
import { msgpack } from "../../dist/msgpack.js";

const EXACT = 2n ** 53n;
let seed = 20261129;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = (list) => list[Math.floor(rand() * list.length)];
const int = (max) => Math.floor(rand() * max);

function randomString() {
  const alphabet = ["a", "Z", "0", " ", "é", "ß", "中", "✓", "😀", "\u0000", "\n", '"'];
  return Array.from({ length: pick([0, 1, 5, 40, 300]) }, () => pick(alphabet)).join("");
}

/**
 * A random value; `maps`: whether Maps with non-string keys may appear, and
 * "__proto__" keys (@msgpack/msgpack refuses those): ours only.
 */
function randomValue(depth, maps) {
  const leaf = [
    () => null,
    () => rand() < 0.5,
    () => pick([0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, 2 ** 31, 2 ** 32 + 1, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53)]),
    () => int(2 ** 30) - 2 ** 29,
    () => pick([0.5, -1.25, 1e-7, 1e308, -1e308, 5e-324, Math.PI, NaN, Infinity, -Infinity, 2 ** 60, 1.5e16]),
    () => (rand() < 0.5 ? 1n : -1n) * (EXACT + BigInt(int(2 ** 30)) * 1000n + 1n),
    () => pick([2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n]),
    () => randomString(),
    () => Uint8Array.from({ length: pick([0, 1, 16, 300]) }, () => int(256)),
    () => new Date(pick([0, 1, 1700000000123, -1, -86400000 * 365 * 100, 8.64e15, 2 ** 34 * 1000 + 7])),
  ];
  if (depth <= 0 || rand() < 0.45) return pick(leaf)();
  const kind = pick(maps ? ["array", "object", "map"] : ["array", "object"]);
  const n = pick([0, 1, 3, 7]);
  if (kind === "array") return Array.from({ length: n }, () => randomValue(depth - 1, maps));
  if (kind === "object") {
    const object = Object.create(null);
    for (let i = 0; i < n; i++) object[pick(["a", "b", maps ? "__proto__" : "c", "constructor", "toString", "", "中文", `k${i}`])] = randomValue(depth - 1, maps);
    return object;
  }
  return new Map(Array.from({ length: n }, () => [pick([1, -2.5, true, null, "s", [1, 2]]), randomValue(depth - 1, maps)]));
}

/**
 * A form in which equal MessagePack values compare equal: integers as
 * numbers when a double holds them (else BigInt), objects by their entries
 * (whatever their prototype; a Map whose keys are all strings is one, as
 * MessagePack has one kind of map), Dates by time, binary by bytes; `noNegativeZero`
 * for an encoder that writes -0 as the integer 0.
 */
function canon(value, noNegativeZero = false) {
  const c = (v) => canon(v, noNegativeZero);
  if (typeof value === "bigint") return value >= -EXACT && value <= EXACT ? Number(value) : value;
  if (noNegativeZero && Object.is(value, -0)) return 0;
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return { date: value.getTime() };
  if (value instanceof Uint8Array) return { bin: [...value] };
  if (Array.isArray(value)) return value.map(c);
  if (value instanceof Map && ![...value.keys()].every((k) => typeof k === "string")) return { map: [...value].map(([k, v]) => [c(k), c(v)]) };
  if (value instanceof Map) return { object: [...value].map(([k, v]) => [k, c(v)]) };
  return { object: Object.entries(value).map(([k, v]) => [k, c(v)]) };
}

const bufferOf = (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const ours = { encode: (v) => msgpack.encode(v), decode: (bytes) => msgpack.decode(bufferOf(bytes)) };
const theirs = { encode: (v) => theirEncode(v, { useBigInt64: true }), decode: (bytes) => theirDecode(bytes, { useBigInt64: true }) };

test("random values round-trip through our encoder and decoder unchanged", () => {
  for (let i = 0; i < 2000; i++) {
    const value = randomValue(4, true);
    const back = ours.decode(ours.encode(value));
    assert.deepStrictEqual(canon(back), canon(value), `value #${i}`);
  }
});

test("an independent implementation (@msgpack/msgpack, useBigInt64) reads what we write, and we read what it writes", () => {
  for (let i = 0; i < 2000; i++) {
    const value = randomValue(4, false);
    assert.deepStrictEqual(canon(theirs.decode(ours.encode(value))), canon(value), `ours → theirs, value #${i}`);
    // It writes -0 as the integer 0: compared without the sign of zero.
    assert.deepStrictEqual(canon(ours.decode(theirs.encode(value)), true), canon(value, true), `theirs → ours, value #${i}`);
  }
});

test("decoded values have the documented shapes", () => {
  const value = { n: 1, big: 2n ** 60n, bin: new Uint8Array([1, 2]), when: new Date(1700000000123), map: new Map([[1, "one"]]), "__proto__": 5 };
  Object.defineProperty(value, "__proto__", { value: 5, enumerable: true });
  const back = ours.decode(ours.encode(value));
  assert.equal(Object.getPrototypeOf(back), null, "a map with string keys is an object with no prototype");
  assert.equal(back.__proto__, 5, "a __proto__ key stays a plain key");
  assert.equal(typeof back.n, "number");
  assert.equal(back.big, 2n ** 60n);
  assert.ok(back.bin instanceof Uint8Array);
  assert.ok(back.when instanceof Date);
  assert.ok(back.map instanceof Map, "a map with a non-string key is a Map");
  // A timestamp a Date cannot hold (nanoseconds) is { sec, nsec }.
  const ts = Uint8Array.from([0xd7, 0xff, ...new Uint8Array(new BigUint64Array([(7n << 34n) | 1n]).buffer).reverse()]);
  const precise = ours.decode(ts);
  assert.deepEqual({ ...precise }, { sec: 1, nsec: 7 });
  // Other extensions are { type, data }.
  const ext = ours.decode(Uint8Array.from([0xd4, 0x05, 0x2a]));
  assert.deepEqual({ type: ext.type, data: [...ext.data] }, { type: 5, data: [42] });
});

test("what has no MessagePack form is a TypeError that says so, never a silent change", () => {
  const refuses = (value, pattern) => assert.throws(() => msgpack.encode(value), (e) => e instanceof TypeError && pattern.test(e.message));
  refuses({ f() {} }, /a function cannot be encoded/);
  refuses(Symbol("s"), /a symbol cannot be encoded/);
  refuses(2n ** 64n, /does not fit in 64 bits/);
  refuses(new Date(NaN), /an invalid Date/);
  const cycle = [];
  cycle.push(cycle);
  refuses(cycle, /nested deeper than 512 levels \(or a cycle\)/);
  const rejects = (bytes, pattern) => assert.throws(() => ours.decode(Uint8Array.from(bytes)), (e) => e instanceof TypeError && pattern.test(e.message));
  rejects([0x01, 0x02], /1 bytes left over/);
  rejects([0xc1], /0xc1 is never used/);
  rejects([0xa2, 0xff, 0xfe], /not valid UTF-8/);
  rejects([0xdd, 0xff, 0xff, 0xff, 0xff], /claims 4294967295 items with 0 bytes left/);
  rejects([], /ends early/);
  rejects(Array(600).fill(0x91).concat([0xc0]), /nested deeper than 512 levels/);
});

test("the Rust codec (steadysocket-engine, rmp-serde) and this module decode each other's bytes to equal values", () => {
  // The same sample on both sides (crates/engine/examples/msgpack_interop.rs).
  const sample = {
    id: 2n ** 60n,
    delta: -5,
    ratio: 1.5,
    huge: 1e300,
    name: "héllo ✓",
    tags: ["a", "b"],
    scores: new Map([
      [1, "one"],
      [2, "two"],
    ]),
    missing: null,
    inner: { ok: true },
  };
  const hex = Buffer.from(ours.encode(sample)).toString("hex");
  const out = execFileSync("cargo", ["run", "-q", "-p", "steadysocket-engine", "--features", "msgpack", "--example", "msgpack_interop"], {
    cwd: new URL("../..", import.meta.url).pathname,
    input: `${hex}\n`,
    encoding: "utf8",
  });
  const [rust, js] = out.trim().split("\n");
  assert.equal(js, "js equal", "Rust decodes the module's bytes to its sample");
  const fromRust = ours.decode(Uint8Array.from(Buffer.from(rust.replace(/^rust /, ""), "hex")));
  assert.deepStrictEqual(canon(fromRust), canon(sample), "the module decodes Rust's bytes to the sample");
});
