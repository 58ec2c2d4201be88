import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/**
 * Runs an ES module script in a child Node process and returns what it printed, trimmed, once it has
 * exited by itself (within 20 s) and successfully: a helper thread left holding the process open
 * fails it. The child runs with `--input-type=module`, an option for the entry point only, which the
 * helper thread must start without.
 */
export function outputOnceExited(script: string): string {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(run.error, undefined, "it exits by itself");
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}
