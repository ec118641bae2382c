// Runs the conformance suite (suite.mjs) against each of our server adapters,
// each started as a process of its own that prints `listening on <port>`:
// the Node adapter (node-app.mjs) and the Rust adapter (the
// steadysocket-server crate's `conformance` example, which the test command
// builds beforehand), each in memory and with its sessions in Redis.
// Prints the suite's output and, when every adapter passed,
// "conformance: every adapter passed".
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import Redis from "ioredis";
import { startListening } from "./listening.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
// The test command's redis-server (scripts/lib.sh, start_redis).
function redisUrl() {
  if (!process.env.STEADYSOCKET_REDIS) throw new Error("STEADYSOCKET_REDIS is not set: the test command starts redis-server (run scripts/setup.sh if it is not installed)");
  return process.env.STEADYSOCKET_REDIS;
}
const node = process.execPath;
const adapters = [
  { name: "node", command: () => [node, "tests/conformance/node-app.mjs"] },
  { name: "node-redis", redis: true, command: () => [node, "tests/conformance/node-app.mjs", "--redis", redisUrl()] },
  { name: "rust", command: () => ["target/debug/examples/conformance"] },
  { name: "rust-redis", redis: true, command: () => ["target/debug/examples/conformance", "--redis", redisUrl()] },
].filter((a) => !process.env.CONFORMANCE_ONLY || process.env.CONFORMANCE_ONLY === a.name);

let failed = false;
for (const adapter of adapters) {
  const { child, port } = await startListening(adapter.command(), root);
  const code = await new Promise((resolve) => {
    const suite = spawn(node, ["--test", "--test-reporter=tap", "tests/conformance/suite.mjs"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, CONFORMANCE_URL: `ws://127.0.0.1:${port}/`, CONFORMANCE_NAME: adapter.name },
    });
    suite.on("exit", resolve);
  });
  child.kill();
  // A path test fails unless that path ran: an adapter on Redis left its
  // keys there (the rate limit's counters live a minute), under the prefix
  // both apps use, `conformance:<pid>:`.
  let ran = true;
  if (adapter.redis) {
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`conformance:${child.pid}:*`);
    redis.disconnect();
    ran = keys.some((k) => k.includes(":rate:"));
    if (!ran) console.log(`conformance: ${adapter.name} left no keys in Redis: it did not keep its sessions there`);
  }
  console.log(`conformance: ${adapter.name} ${code === 0 && ran ? "passed" : "FAILED"}`);
  if (code !== 0 || !ran) failed = true;
}
if (!failed) console.log("conformance: every adapter passed");
process.exit(failed ? 1 : 0);
