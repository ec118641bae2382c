// Prints the resume soak's lines the test server kept (POST /control/log by
// tests/common/resume_cases.rs) and checks them: one line per runtime and
// direction, each with lost=0 duplicated=0 reordered=0 resyncs=0
// policy_dropped=0, and at least MIN_MESSAGES messages and MIN_DROPS drops.
// Usage: node scripts/soak-lines.mjs RUNTIME... (with STEADYSOCKET_TEST_SERVER;
// MIN_MESSAGES and MIN_DROPS from the environment, default 1).
const server = process.env.STEADYSOCKET_TEST_SERVER;
const runtimes = process.argv.slice(2);
const minMessages = Number(process.env.MIN_MESSAGES ?? 1);
const minDrops = Number(process.env.MIN_DROPS ?? 1);
const lines = await (await fetch(`http://${server}/control/lines`)).json();
let failed = 0;
for (const runtime of runtimes) {
  for (const direction of ["client-to-server", "server-to-client"]) {
    const prefix = `resume soak ${runtime} ${direction}: `;
    const line = lines.findLast((l) => l.startsWith(prefix));
    if (!line) {
      console.log(`missing: ${prefix}...`);
      failed++;
      continue;
    }
    console.log(line);
    const n = Object.fromEntries(line.slice(prefix.length).split(" ").map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]));
    const clean = n.lost === 0 && n.duplicated === 0 && n.reordered === 0 && n.resyncs === 0 && n.policy_dropped === 0;
    const big = n.sent >= minMessages && n.delivered === n.sent && n.drops >= minDrops;
    if (!clean || !big) {
      console.log(`  ^ not clean, or fewer than ${minMessages} messages or ${minDrops} drops`);
      failed++;
    }
  }
}
console.log(failed ? `soak lines: ${failed} bad` : "soak lines: every runtime and direction clean");
process.exit(failed ? 1 : 0);
