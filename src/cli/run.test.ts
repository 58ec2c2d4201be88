import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, runCli, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram help and version", () => {
  it("prints the package version", async () => {
    const out = await runCli(["--version"]);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    assert.equal(out.code, 0);
    assert.equal(out.stdout, `${pkg.version}\n`);
  });

  it("lists every command on --help without opening the database", async () => {
    const out = await s.cli(["--help"]);
    assert.equal(out.code, 0);
    for (const line of ["agent create", "block set AGENT LABEL [VALUE]", "diff AGENT FROM TO", "bench store"])
      assert.match(out.stdout, new RegExp(line.replace(/[[\]]/g, "\\$&")));
    assert.equal(existsSync(s.db), false);
  });

  it("prints a group's commands and a command's flags", async () => {
    const group = await s.cli(["block", "--help"]);
    assert.equal(group.code, 0);
    assert.match(group.stdout, /block get AGENT LABEL/);
    assert.doesNotMatch(group.stdout, /agent create/);
    const command = await s.cli(["block", "set", "--help"]);
    assert.equal(command.code, 0);
    assert.match(command.stdout, /Usage: engram block set AGENT LABEL \[VALUE\]/);
    assert.match(command.stdout, /--expect HEAD/);
    assert.match(command.stdout, /--db PATH/);
    assert.equal((await s.cli(["help", "block", "set"])).stdout, command.stdout);
  });
});

describe("engram usage errors", () => {
  it("exits 2 on an unknown command, with a JSON error under --json", async () => {
    const human = await s.cli(["frobnicate"]);
    assert.equal(human.code, 2);
    assert.equal(human.stdout, "");
    assert.match(human.stderr, /unknown command "frobnicate"/);
    const json = await s.cli(["frobnicate", "--json"]);
    assert.equal(json.code, 2);
    assert.equal(json.stderr, "");
    assert.deepEqual(json.json(), { error: { code: "usage", message: 'unknown command "frobnicate"' } });
  });

  it("exits 2 on an unknown flag and names it", async () => {
    const out = await s.cli(["agent", "list", "--bogus", "--json"]);
    assert.equal(out.code, 2);
    assert.equal(out.json().error.code, "usage");
    assert.match(out.json().error.message, /--bogus/);
  });

  it("exits 2 on a missing or extra argument without touching the database", async () => {
    const missing = await s.cli(["block", "get", "helper", "--json"]);
    assert.equal(missing.code, 2);
    assert.deepEqual(missing.json(), { error: { code: "usage", message: "missing argument LABEL" } });
    const extra = await s.cli(["log", "helper", "extra"]);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument "extra"/);
    assert.match(extra.stderr, /engram log --help/);
    assert.equal(existsSync(s.db), false);
  });

  it("exits 2 with no command, or a group without its command", async () => {
    assert.equal((await runCli([])).code, 2);
    const group = await s.cli(["branch"]);
    assert.equal(group.code, 2);
    assert.match(group.stderr, /missing branch command/);
    assert.match((await s.cli(["branch", "rename"])).stderr, /unknown command "branch rename"/);
  });

  it("exits 2 on a flag value of the wrong shape or a missing flag value", async () => {
    assert.equal((await s.cli(["log", "helper", "--limit", "ten"])).code, 2);
    assert.equal((await runCli(["agent", "list", "--db"])).code, 2);
    assert.equal((await s.cli(["agent", "create"])).code, 2);
  });
});

describe("engram errors and exit codes", () => {
  it("accepts --db and --json before the command", async () => {
    const out = await runCli(["--db", s.db, "--json", "agent", "create", "--name", "early"]);
    assert.equal(out.code, 0);
    assert.equal(out.json().name, "early");
    assert.equal(existsSync(s.db), true);
  });

  it("opens ENGRAM_DB from the environment when there is no --db", async () => {
    const db = `${s.dir}/env.db`;
    const out = await runCli(["agent", "create", "--name", "x", "--json"], { env: { ENGRAM_DB: db } });
    assert.equal(out.code, 0);
    assert.equal(existsSync(db), true);
    const listed = await runCli(["agent", "list", "--json"], { env: { ENGRAM_DB: db } });
    assert.deepEqual(
      listed.json().items.map((a: { id: string }) => a.id),
      [out.json().id],
    );
  });

  it("exits 1 with the engine's code for the caller's mistakes", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const out = await s.cli(["agent", "show", "ghost", "--json"]);
    assert.equal(out.code, 1);
    assert.deepEqual(out.json(), { error: { code: "not_found", message: "agent ghost not found" } });
    const human = await s.cli(["agent", "show", "ghost"]);
    assert.equal(human.code, 1);
    assert.equal(human.stdout, "");
    assert.equal(human.stderr, "engram: agent ghost not found\n");
  });

  it("exits 1 naming a database it cannot open, as the caller's set-up", async () => {
    const out = await runCli(["agent", "list", "--db", s.dir, "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "unavailable");
    assert.ok(out.json().error.message.startsWith(`SQLite database ${s.dir}: `));
  });

  it("exits 3 when engram itself fails, e.g. a table of its database is gone", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const db = new DatabaseSync(s.db);
    db.exec("DROP TABLE api_keys");
    db.close();
    const out = await s.cli(["keys", "list", "--json"]);
    assert.equal(out.code, 3);
    assert.equal(out.json().error.code, "internal");
  });
});
