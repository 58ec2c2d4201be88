import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * The README's shell blocks, run in order as written by one bash (so a block sees the variables and
 * functions of the blocks before it), as a newcomer would paste them into a plain shell.
 *
 * A block that needs what a test cannot have (a model, a network, a running server) or takes minutes
 * is marked by this line right before its opening fence, with the reason, and is skipped:
 *
 *     <!-- readme-test: skip (needs a language model) -->
 */
const SKIP = /^<!-- readme-test: skip \((.+)\) -->$/;

const root = fileURLToPath(new URL("../", import.meta.url));

interface ShellBlock {
  /** Line of the opening fence, 1-based. */
  line: number;
  code: string;
  skip: string | undefined;
}

export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```sh") continue;
    const end = lines.indexOf("```", i + 1);
    assert.ok(end > i, `the block at README.md:${i + 1} is not closed`);
    blocks.push({
      line: i + 1,
      code: lines.slice(i + 1, end).join("\n"),
      skip: SKIP.exec(lines[i - 1] ?? "")?.[1],
    });
    i = end;
  }
  return blocks;
}

const scratch = mkdtempSync(join(tmpdir(), "engram-readme-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * PATH as a plain shell has it: without the project's node_modules/.bin (which npm adds for `npm
 * test`), and with an older system Node first when there is one, so the README must set up its own.
 */
function plainPath(): string {
  const entries = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("node_modules"));
  const systemNode = "/usr/bin/node";
  if (existsSync(systemNode)) {
    const shim = join(scratch, "system-node");
    mkdirSync(shim);
    symlinkSync(systemNode, join(shim, "node"));
    entries.unshift(shim);
  }
  return entries.join(delimiter);
}

function runBash(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", script],
      { cwd: root, env, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("the README", () => {
  const blocks = shellBlocks(readFileSync(join(root, "README.md"), "utf8"));
  const runnable = blocks.filter((b) => b.skip === undefined);

  it("has shell blocks to run, and says why each skipped one is skipped", () => {
    assert.ok(runnable.length >= 3, `only ${runnable.length} runnable blocks`);
    assert.ok(
      runnable.some((b) => b.code.includes("engram agent create")),
      "the tour runs",
    );
    // jq is not on every machine: what a newcomer runs must not need it.
    for (const block of runnable) assert.doesNotMatch(block.code, /\bjq\b/, `README.md:${block.line}`);
  });

  it("runs every shell block in order, as written, in a plain shell with an older system Node", async () => {
    const home = join(scratch, "home");
    mkdirSync(home);
    const marker = (line: number) => `::readme block ${line}::`;
    const script = [
      "set -euo pipefail",
      ...runnable.flatMap((b) => [`echo '${marker(b.line)}'`, b.code]),
    ].join("\n");
    const env: NodeJS.ProcessEnv = {
      PATH: plainPath(),
      HOME: home,
      TMPDIR: scratch,
      LANG: "C.UTF-8",
      ENGRAM_DB: join(scratch, "default.db"),
    };
    const { code, stdout, stderr } = await runBash(script, env);
    const ran = stdout.match(/::readme block \d+::/g) ?? [];
    assert.equal(
      code,
      0,
      `exit ${code} in the block after ${ran.at(-1) ?? "(none)"}\n--- stderr ---\n${stderr.slice(-4000)}`,
    );
    assert.equal(ran.length, runnable.length, "every block ran");

    const output = (line: number) => {
      const from = stdout.indexOf(marker(line));
      const next = stdout.indexOf("::readme block ", from + 1);
      return stdout.slice(from, next === -1 ? undefined : next);
    };
    const tour = output(runnable.find((b) => b.code.includes("engram agent create"))?.line ?? 0);
    // The stale write failed for the right reason: a conflict, not a failed lookup.
    assert.match(tour, /refused with exit code 1/);
    assert.match(stderr, /engram: branch "main" is at [0-9a-f]{12}, not the expected [0-9a-f]{12}/);
    assert.doesNotMatch(tour, /Plan: Free/);
    // Read after the upgrade, after the revert, and after the refused write.
    const reads = tour.match(/^Name: Ada\nPlan: \w+$/gm) ?? [];
    assert.deepEqual(reads, ["Name: Ada\nPlan: Enterprise", "Name: Ada\nPlan: Pro", "Name: Ada\nPlan: Pro"]);
    assert.match(tour, /imported as "support-2": an agent named "support" already exists in this project/);
    // The tour's scratch database is where it says, under the temporary folder.
    assert.ok(
      readdirSync(scratch).some((entry) => existsSync(join(scratch, entry, "tour.db"))),
      "the tour's database is in a fresh temporary folder",
    );
  });
});
