import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "./test-harness.ts";

describe("engram bench store", () => {
  it("runs the store benchmark and prints its result as JSON", async () => {
    const out = await runCli(["bench", "store", "--commits", "20", "--samples", "5", "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    assert.equal(result.priorCommits, 20);
    assert.equal(result.commit.samples, 5);
    assert.equal(result.readHead.samples, 10);
    assert.equal(typeof result.pass, "boolean");
    assert.equal(out.stderr, "", "no progress when stderr is not a terminal");
  });

  it("prints a report, with progress on stderr when it is a terminal", async () => {
    const out = await runCli(["bench", "store", "--commits", "10", "--samples", "2"], { tty: true });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^engram bench store/);
    assert.match(out.stdout, /agent with 10 prior commits/);
    assert.match(out.stderr, /\r16\/16\n$/);
  });
});
