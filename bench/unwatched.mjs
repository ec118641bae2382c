// Runs bench/page/unwatched.html in a Chromium started without playwright
// (no DevTools client attached, so WebSocket frames are not reported to one)
// and collects what the page posts: { hello }, then { row, round } per round,
// then { done } or { error }.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARGS, executable } from "../tests/pages/browser.mjs";

/**
 * [command, args] that run `command` on CPU 1 when scripts/bench.sh pinned
 * the test server to CPU 0 (STEADYSOCKET_BENCH_CPU), else as it is.
 */
export function pinned(command, args) {
  return process.env.STEADYSOCKET_BENCH_CPU ? ["taskset", ["-c", process.env.STEADYSOCKET_BENCH_CPU, command, ...args]] : [command, args];
}

/**
 * CPU time so far of every process descended from `root`, in ns, by kind
 * (renderer, the network service, the browser process, others), from each
 * thread's schedstat: nanoseconds on a CPU, finer than the stat file's ticks.
 */
function cpuOfTree(root) {
  // Only where there is a /proc (Linux); elsewhere the row says so.
  if (!existsSync("/proc/self/task")) return null;
  const parent = new Map();
  const kind = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      kind.set(Number(pid), /--type=renderer/.test(args) ? "renderer" : /NetworkService/.test(args) ? "network" : /--type=/.test(args) ? "other" : "browser");
    } catch {}
  }
  const inTree = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parent.get(p) ?? 0, hops++) if (p === root) return true;
    return false;
  };
  const ns = { renderer: 0, network: 0, browser: 0, other: 0 };
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) ns[kind.get(pid)] += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {}
  }
  return ns;
}

/**
 * { hello, rows: { throughput: [round], latency: [round], binary: [round] },
 * cpu: [round] } where a cpu round is { client: { renderer, network, browser,
 * other } }, ns of CPU time over each client's timed echo.
 */
export function unwatched(server, plan, { timeoutMs = 20 * 60_000, log = () => {} } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "steadysocket-unwatched-"));
  const rows = {};
  const cpu = [];
  let current = {};
  let started = null;
  let hello = null;
  let browser = null;
  let timer = null;
  let collector = null;
  const finished = new Promise((resolve, reject) => {
    collector = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        let m;
        try {
          m = JSON.parse(body);
        } catch {
          res.writeHead(204, { "access-control-allow-origin": "*" }).end();
          return reject(new Error(`the bench page posted something that is not JSON: ${body.slice(0, 100)}`));
        }
        // Read before answering: the page waits for the answer to go on.
        if (m.mark === "start") started = cpuOfTree(browser.pid);
        else if (m.mark === "end") {
          const now = cpuOfTree(browser.pid);
          current[m.client] = now && started && Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - started[k]]));
        }
        res.writeHead(204, { "access-control-allow-origin": "*" }).end();
        if (m.mark) return;
        if (m.hello) {
          hello = m.hello;
          // The CPUs the browser may run on, as the kernel says.
          try {
            hello.cpus = readFileSync(`/proc/${browser.pid}/status`, "utf8").match(/Cpus_allowed_list:\s*(\S+)/)?.[1];
          } catch {
            hello.cpus = "unknown (no /proc)";
          }
        } else if (m.row) {
          (rows[m.row] ??= []).push(m.round);
          if (m.row === "throughput") {
            cpu.push(current);
            current = {};
          }
          log(`  ${m.row} round ${rows[m.row].length}`, m.row === "latency" ? "" : JSON.stringify(Object.fromEntries(Object.entries(m.round).map(([k, v]) => [k, Math.round(v)]))));
        } else if (m.error) reject(new Error(`the bench page failed: ${m.error}`));
        else if (m.done) resolve();
      });
    });
    collector.listen(0, "127.0.0.1", () => {
      const target = `http://${server}/unwatched.html?collector=${encodeURIComponent(`http://127.0.0.1:${collector.address().port}/`)}&plan=${encodeURIComponent(JSON.stringify(plan))}`;
      browser = spawn(...pinned(executable(), [...ARGS, "--headless", `--user-data-dir=${profile}`, target]), { stdio: "ignore", detached: true });
      browser.on("exit", (code) => reject(new Error(`Chromium exited (${code}) before the bench page was done`)));
      browser.on("error", reject);
    });
    timer = setTimeout(() => reject(new Error(`the bench page took more than ${timeoutMs / 1000} s`)), timeoutMs);
    // A page whose modules failed to load never says hello.
    setTimeout(() => hello || reject(new Error("the bench page did not start within 60 s (did its modules load? try it in a browser)")), 60_000).unref();
  });
  const stop = () => {
    clearTimeout(timer);
    collector.close();
    if (browser?.exitCode === null) {
      browser.removeAllListeners("exit");
      try {
        process.kill(-browser.pid, "SIGKILL");
      } catch {}
    }
    rmSync(profile, { recursive: true, force: true });
  };
  return finished.then(
    () => {
      stop();
      // The proof that no automation watched: playwright's Chromium says
      // navigator.webdriver is true.
      if (!hello || hello.webdriver !== false || !/Chrome\//.test(hello.userAgent)) {
        throw new Error(`the unwatched bench page did not prove it ran in an unautomated Chromium: ${JSON.stringify(hello)}`);
      }
      return { hello, rows, cpu };
    },
    (e) => {
      stop();
      throw e;
    },
  );
}
