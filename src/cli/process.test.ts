import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  type CliSandbox,
  CLI_MAIN as main,
  CHECKOUT_NODE as node,
  CHECKOUT as root,
  runCli,
  sandbox,
} from "./test-harness.ts";

const bin = join(root, "bin/engram.js");

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real `engram` process; resolves with its exit code whatever it is. */
function engram(args: string[], env: NodeJS.ProcessEnv = {}, script = main): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(
      node,
      [script, ...args],
      { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof code !== "number") reject(error);
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("the engram process", () => {
  it("exits 0, 1 and 2 with JSON on stdout, through main.ts and bin/engram.js", async () => {
    const created = await engram(["agent", "create", "--name", "helper", "--db", s.db, "--json"]);
    assert.equal(created.code, 0, created.stderr);
    const agent = JSON.parse(created.stdout);
    assert.match(agent.id, /^agt_/);
    const commit = await engram(["block", "set", "helper", "persona", "hi", "--db", s.db, "--json"], {}, bin);
    assert.equal(commit.code, 0, commit.stderr);
    assert.match(JSON.parse(commit.stdout).id, /^[0-9a-f]{64}$/);
    const stale = await engram([
      "block",
      "set",
      "helper",
      "persona",
      "x",
      "--expect",
      JSON.parse(commit.stdout).parentId,
      "--db",
      s.db,
      "--json",
    ]);
    assert.equal(stale.code, 1);
    assert.equal(JSON.parse(stale.stdout).error.code, "conflict");
    const usage = await engram(["agent", "create", "--nope", "--db", s.db, "--json"]);
    assert.equal(usage.code, 2);
    assert.equal(JSON.parse(usage.stdout).error.code, "usage");
    const human = await engram(["block", "get", "helper", "missing", "--db", s.db]);
    assert.equal(human.code, 1);
    assert.equal(human.stdout, "");
    assert.match(human.stderr, /^engram: block "missing" not found/);
  });

  it("uses ENGRAM_DB when there is no --db", async () => {
    const db = join(s.dir, "nested", "from-env.db");
    const created = await engram(["agent", "create", "--name", "env-agent", "--json"], { ENGRAM_DB: db });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(existsSync(db), true);
    const listed = await runCli(["agent", "list", "--db", db, "--json"]);
    assert.deepEqual(
      listed.json().items.map((a: { name: string }) => a.name),
      ["env-agent"],
    );
    // --db wins: its file, never written, is not there to read.
    const overridden = await engram(["agent", "list", "--db", s.db, "--json"], { ENGRAM_DB: db });
    assert.match(JSON.parse(overridden.stdout).error.message, new RegExp(`^no database at ${s.db}: `));
  });

  it("serves until SIGTERM, then exits 0", async () => {
    const child = spawn(node, [main, "serve", "--port", "0", "--db", s.db], { cwd: root });
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (\S+) /.exec(stdout);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`serve exited early with ${code}`)));
    });
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });
});
