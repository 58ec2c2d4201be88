import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper", "--block", "persona=I learn."]);
});
afterEach(() => s.cleanup());

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=Ada", "-c", "user.email=ada@example.com", ...args], {
    encoding: "utf8",
  });

describe("engram git", () => {
  it("exports an agent to a repository, and imports a commit made there with git", async () => {
    const repo = join(s.dir, "helper-memory");
    const exported = await s.cli(["git", "export", "helper", repo]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(
      exported.stdout,
      /^exported agent helper to .*helper-memory: 1 new git commit\n {2}main [0-9a-f]{12}\n$/,
    );
    writeFileSync(join(repo, "blocks", "persona.md"), "I learn, and I say so.");
    git(repo, "commit", "-q", "-am", "say so");
    const imported = await s.ok(["git", "import", "helper", repo]);
    assert.equal(imported.commits, 1);
    assert.deepEqual(
      imported.branches.map((b: { name: string; imported: number }) => [b.name, b.imported]),
      [["main", 1]],
    );
    const block = await s.ok(["block", "get", "helper", "persona"]);
    assert.equal(block.value, "I learn, and I say so.");
    const again = await s.cli(["git", "import", "helper", repo]);
    assert.equal(again.stdout, `nothing to import: ${repo} has no commits engram lacks\n`);
  });

  it("fails with a clear message and exit code for a folder that is not an export", async () => {
    const outcome = await s.cli(["git", "import", "helper", s.dir]);
    assert.notEqual(outcome.code, 0);
    assert.match(outcome.stderr, /is not a git repository: import from a folder made by engram git export/);
  });
});
