import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { globSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/**
 * The service tests on PostgreSQL: every test file that builds its engines with `createTestEngram`
 * runs again in a child `node --test` with `ENGRAM_TEST_DATABASE_URL` naming a throwaway server, so
 * each of those engines opens a fresh schema there. The tests are the same files, not copies.
 */

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Files that use `createTestEngram` but test SQLite itself, or no service: why each stays out. */
const EXCLUDED: Record<string, string> = {
  // Packs and installs the package; the engines it makes live in the installed copy.
  "src/package.test.ts": "packaging, not a service",
  // The CLI over its sandbox's SQLite file (--db PATH): every engine there is opened by path.
  "src/cli/transfer.test.ts": "CLI commands over a SQLite file",
  // They open their databases themselves, a SQLite file and a PostgreSQL server of their own.
  "src/transfer/copy-database.test.ts": "copies between databases it opens, on both backends",
  "src/sleeptime/schedule-leader.test.ts": "two engines on one database, on both backends",
  "src/memory/blocks/shared-block-servers.test.ts": "two engines on one database, on both backends",
  // This file: it would run itself.
  "src/store/postgres/service-suite.test.ts": "the runner",
};

/** The service test files, relative to the repository. */
export function serviceTestFiles(): string[] {
  return globSync("src/**/*.test.ts", { cwd: ROOT })
    .filter((file) => EXCLUDED[file] === undefined)
    .filter((file) => readFileSync(`${ROOT}/${file}`, "utf8").includes("createTestEngram("))
    .sort();
}

interface ChildRun {
  passed: number;
  failures: { file: string; name: string; message: string }[];
  code: number | null;
  stderr: string;
}

/** Runs test files in a child `node --test` against the server; what passed and what failed. */
async function runChild(url: string, files: readonly string[], pattern?: string): Promise<ChildRun> {
  const reporter = fileURLToPath(new URL("./failure-reporter.ts", import.meta.url));
  const args = ["--test", "--test-concurrency=2", `--test-reporter=${reporter}`];
  if (pattern !== undefined) args.push(`--test-name-pattern=${pattern}`);
  // Without NODE_TEST_CONTEXT, which a test runner sets for its own children: the child is a runner
  // of its own, reporting through the reporter, not to this process's runner.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(process.execPath, [...args, ...files], {
    cwd: ROOT,
    env: { ...env, ENGRAM_TEST_DATABASE_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const run: ChildRun = { passed: 0, failures: [], code, stderr };
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const record = JSON.parse(line);
    if (record.failed !== undefined) run.failures.push(record.failed);
    if (record.passed !== undefined) run.passed = record.passed;
  }
  return run;
}

/** The child's failing tests, one a line (the first 50), or why it failed with none. */
function describeFailures(run: ChildRun): string {
  const shown = run.failures
    .slice(0, 50)
    .map((f) => `${relative(ROOT, f.file ?? "?")} › ${f.name}: ${f.message}`.slice(0, 300));
  if (run.failures.length > shown.length) shown.push(`… and ${run.failures.length - shown.length} more`);
  if (run.failures.length === 0) shown.push(`the child exited with ${run.code}: ${run.stderr}`);
  return `${run.failures.length} service test(s) failed on PostgreSQL, ${run.passed} passed:\n${shown.join("\n")}`;
}

describe("the service tests on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it("finds the service test files, and leaves out only those it says why", () => {
    const files = serviceTestFiles();
    assert.ok(files.length >= 40, `only ${files.length} files found`);
    assert.ok(files.includes("src/memory/blocks/block-service.test.ts"));
    assert.ok(files.includes("src/test/test-engram.test.ts"));
    for (const file of Object.keys(EXCLUDED)) assert.ok(!files.includes(file), file);
  });

  it("hands the server to createTestEngram in the child", async () => {
    const probe = ["src/test/test-engram.test.ts"];
    const pattern = "is PostgreSQL exactly when";
    const run = await runChild(server.url, probe, pattern);
    assert.equal(run.code, 0, describeFailures(run));
    assert.equal(run.passed, 1);
    // The same test on a server that is not there fails: the engine it made went looking for it.
    const nowhere = await runChild(server.url.replace(/:\d+\//, ":1/"), probe, pattern);
    assert.equal(nowhere.failures.length, 1, describeFailures(nowhere));
    assert.match(nowhere.failures[0]?.message ?? "", /ECONNREFUSED/);
  });

  it("pass", async () => {
    const run = await runChild(server.url, serviceTestFiles());
    assert.ok(run.code === 0 && run.failures.length === 0, describeFailures(run));
    assert.ok(run.passed > 0, "no test ran");
  });
});
