// The older commit's Chromium echo beside this build's (scripts/bench-baseline.sh
// serves both): ECHO_ROUNDS alternating rounds in an unwatched Chromium, the
// median of per-round ratios to raw for each, and this build's to the older
// one's. Rewrites bench/baseline.json's echoChromium rows (the older build's
// ratios to raw) and records the run beside them.
import { readFileSync, writeFileSync } from "node:fs";
import { med, ratioTo, spreadTo } from "./stats.mjs";
import { unwatched } from "./unwatched.mjs";

const root = new URL("../", import.meta.url).pathname;
const server = process.env.STEADYSOCKET_TEST_SERVER;
const commit = process.env.BASELINE_COMMIT;
const ROUNDS = Number(process.env.ECHO_ROUNDS ?? 21);
const MS = Number(process.env.MS ?? 1500);
const NET = ["raw", "steadysocket", "steadysocket-baseline", "rust", "rust-baseline"];
const log = (...a) => console.error("[baseline]", ...a);

// Each client's ratio to `base` and its spread.
const row = (rounds, c, base) => ({ ratio: ratioTo(rounds, base)[c], spread: spreadTo(rounds, base)[c] });

log(`${commit} beside this build: ${ROUNDS} rounds of ${MS} ms per client`);
const run = await unwatched(server, { net: NET, binary: [], echoRounds: ROUNDS, ms: MS, latencyRounds: 0, samples: 0, rounds: 0, baseline: true }, { log });
const rounds = run.rows.throughput;
const measured = {
  date: new Date().toISOString().slice(0, 10),
  browser: run.hello.userAgent,
  cpus: run.hello.cpus,
  rounds: ROUNDS,
  ms: MS,
  toRaw: Object.fromEntries(NET.slice(1).map((c) => [c, row(rounds, c, "raw")])),
  // This build against the older one, round by round.
  toBaseline: { steadysocket: row(rounds, "steadysocket", "steadysocket-baseline"), rust: row(rounds, "rust", "rust-baseline") },
  perSecond: med(rounds),
};
const file = root + "bench/baseline.json";
const base = JSON.parse(readFileSync(file, "utf8"));
base.echoChromium = { steadysocket: measured.toRaw["steadysocket-baseline"].ratio, rust: measured.toRaw["rust-baseline"].ratio };
base.echoChromiumRun = measured;
writeFileSync(file, JSON.stringify(base, null, 2) + "\n");
const f = (x) => x.toFixed(3);
for (const [c, r] of Object.entries(measured.toRaw)) log(`${c}: ×${f(r.ratio)} of raw (spread ${f(r.spread)}), ${Math.round(measured.perSecond[c])} msgs/s`);
for (const [c, r] of Object.entries(measured.toBaseline)) log(`${c} against ${commit}: ×${f(r.ratio)} (spread ${f(r.spread)})`);
