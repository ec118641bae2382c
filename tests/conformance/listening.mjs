// Starts a server process of the tests (an adapter for the conformance
// suite, an instance of the two-instance soak) that prints
// `listening on <port>` once it takes connections.
import { spawn } from "node:child_process";

/** Runs `command` (argv) in `cwd`: resolves with { child, port }; rejects if it exits first. */
export function startListening(command, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.on("error", (e) => reject(new Error(`${command.join(" ")}: ${e.message}`)));
    child.on("exit", (code) => reject(new Error(`${command.join(" ")} exited (${code}) before listening: ${out}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({ child, port: Number(m[1]) });
      }
    });
  });
}
