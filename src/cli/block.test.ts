import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, runCli, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper"]);
});
afterEach(() => s.cleanup());

const logIds = async () => (await s.ok(["log", "helper"])).items.map((c: { id: string }) => c.id);

describe("engram block set", () => {
  it("prints the new commit with its id, changed and branch", async () => {
    const commit = await s.ok(["block", "set", "helper", "persona", "I am helpful.", "--message", "be kind"]);
    assert.match(commit.id, /^[0-9a-f]{64}$/);
    assert.equal(commit.changed, true);
    assert.equal(commit.branch, "main");
    assert.equal(commit.author, "user");
    assert.equal(commit.message, "be kind");
    assert.match(commit.parentId, /^[0-9a-f]{64}$/);
    assert.equal(typeof commit.createdAt, "string");
    assert.equal((await logIds())[0], commit.id);
  });

  it("makes no commit when nothing changes", async () => {
    const first = await s.ok(["block", "set", "helper", "persona", "same"]);
    const again = await s.ok(["block", "set", "helper", "persona", "same"]);
    assert.equal(again.changed, false);
    assert.equal(again.id, first.id);
    assert.equal((await logIds()).length, 2);
    assert.match(
      (await s.cli(["block", "set", "helper", "persona", "same"])).stdout,
      /^nothing changed: main stays at/,
    );
  });

  it("reads the value from stdin with '-' and from --file, exactly", async () => {
    await s.ok(["block", "set", "helper", "human", "-"], { stdin: "Name: Ada\nLikes: tea\n" });
    assert.equal((await s.ok(["block", "get", "helper", "human"])).value, "Name: Ada\nLikes: tea\n");
    const file = join(s.dir, "persona.txt");
    writeFileSync(file, "From a file.");
    await s.ok(["block", "set", "helper", "persona", "--file", file]);
    assert.equal((await s.ok(["block", "get", "helper", "persona"])).value, "From a file.");
    const missing = await s.cli([
      "block",
      "set",
      "helper",
      "persona",
      "--file",
      join(s.dir, "no.txt"),
      "--json",
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.json().error.message, /cannot read value file .*no\.txt: no such file/);
    assert.equal((await s.cli(["block", "set", "helper", "persona", "x", "--file", file])).code, 2);
    assert.equal((await s.cli(["block", "set", "helper", "persona"])).code, 2);
  });

  it("takes a VALUE that starts with '-' after '--'", async () => {
    assert.equal((await s.cli(["block", "set", "helper", "persona", "- item"])).code, 2);
    const out = await runCli(["block", "set", "helper", "persona", "--db", s.db, "--json", "--", "- item"]);
    assert.equal(out.code, 0, out.stdout);
    assert.equal((await s.ok(["block", "get", "helper", "persona"])).value, "- item");
  });

  it("changes settings alone, and --no-read-only undoes --read-only", async () => {
    await s.ok(["block", "set", "helper", "persona", "v"]);
    await s.ok(["block", "set", "helper", "persona", "--limit", "10", "--read-only", "--description", "who"]);
    let block = await s.ok(["block", "get", "helper", "persona"]);
    assert.deepEqual(
      { value: block.value, limit: block.limit, readOnly: block.readOnly, description: block.description },
      { value: "v", limit: 10, readOnly: true, description: "who" },
    );
    const forbidden = await s.cli(["block", "set", "helper", "persona", "w", "--author", "agent", "--json"]);
    assert.equal(forbidden.code, 1);
    assert.equal(forbidden.json().error.code, "forbidden");
    await s.ok(["block", "set", "helper", "persona", "--no-read-only"]);
    block = await s.ok(["block", "get", "helper", "persona"]);
    assert.equal(block.readOnly, false);
    const byAgent = await s.ok(["block", "set", "helper", "persona", "w", "--author", "agent"]);
    assert.equal(byAgent.author, "agent");
  });

  it("rejects an over-limit value with exit 1 and writes nothing", async () => {
    const before = await logIds();
    const out = await s.cli(["block", "set", "helper", "persona", "x".repeat(5001), "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "invalid_input");
    assert.match(out.json().error.message, /5001 characters, over its limit of 5000/);
    const small = await s.cli(["block", "set", "helper", "persona", "too long", "--limit", "3", "--json"]);
    assert.equal(small.code, 1);
    assert.deepEqual(await logIds(), before);
  });

  it("rejects an unknown author with exit 1", async () => {
    const out = await s.cli(["block", "set", "helper", "persona", "x", "--author", "robot", "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "invalid_input");
    assert.match(out.json().error.message, /author/);
  });

  it("writes with the current head as --expect (full or short) and refuses a stale one", async () => {
    const first = await s.ok(["block", "set", "helper", "persona", "one"]);
    const second = await s.ok(["block", "set", "helper", "persona", "two", "--expect", first.id]);
    assert.equal(second.parentId, first.id);
    const before = await logIds();
    const stale = await s.cli(["block", "set", "helper", "persona", "three", "--expect", first.id, "--json"]);
    assert.equal(stale.code, 1);
    assert.equal(stale.json().error.code, "conflict");
    assert.match(stale.json().error.message, /not the expected/);
    const human = await s.cli([
      "block",
      "set",
      "helper",
      "persona",
      "three",
      "--expect",
      first.id.slice(0, 12),
    ]);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /^engram: branch "main" is at/);
    assert.deepEqual(await logIds(), before);
    assert.equal((await s.ok(["block", "get", "helper", "persona"])).value, "two");
    const short = await s.ok([
      "block",
      "set",
      "helper",
      "persona",
      "three",
      "--expect",
      second.id.slice(0, 12),
    ]);
    assert.equal(short.changed, true);
    // An empty or short --expect (say, a failed lookup) is bad input, not a conflict, and writes nothing.
    const after = await logIds();
    for (const expect of ["", "abc", "HEAD"]) {
      const bad = await s.cli(["block", "set", "helper", "persona", "four", "--expect", expect, "--json"]);
      assert.equal(bad.code, 1);
      assert.equal(bad.json().error.code, "invalid_input");
      assert.match(bad.json().error.message, /expectedHead: must be a commit id, or a prefix of at least 7/);
      const reverted = await s.cli(["revert", "helper", "HEAD~1", "--expect", expect, "--json"]);
      assert.deepEqual([reverted.code, reverted.json().error.code], [1, "invalid_input"]);
    }
    assert.deepEqual(await logIds(), after);
  });

  it("writes to another branch and leaves main alone", async () => {
    await s.ok(["block", "set", "helper", "persona", "main value"]);
    await s.ok(["branch", "create", "helper", "experiment"]);
    const commit = await s.ok(["block", "set", "helper", "persona", "trial", "--branch", "experiment"]);
    assert.equal(commit.branch, "experiment");
    assert.equal((await s.ok(["block", "get", "helper", "persona"])).value, "main value");
    assert.equal(
      (await s.ok(["block", "get", "helper", "persona", "--branch", "experiment"])).value,
      "trial",
    );
    const missing = await s.cli(["block", "set", "helper", "persona", "x", "--branch", "nope", "--json"]);
    assert.equal(missing.json().error.code, "not_found");
  });
});

describe("engram block get, list and delete", () => {
  it("gets a block with all its fields, at HEAD or any revision", async () => {
    const first = await s.ok(["block", "set", "helper", "persona", "old"]);
    await s.ok(["block", "set", "helper", "persona", "new"]);
    const block = await s.ok(["block", "get", "helper", "persona"]);
    assert.deepEqual(Object.keys(block).sort(), [
      "commit",
      "description",
      "label",
      "limit",
      "readOnly",
      "size",
      "value",
    ]);
    assert.equal(block.label, "persona");
    assert.equal(block.value, "new");
    assert.equal(block.size, 3);
    const old = await s.ok(["block", "get", "helper", "persona", "--at", first.id]);
    assert.equal(old.value, "old");
    assert.equal(old.commit, first.id);
    assert.equal((await s.ok(["block", "get", "helper", "persona", "--at", "HEAD~1"])).value, "old");
    assert.equal((await s.cli(["block", "get", "helper", "persona"])).stdout, "new\n");
  });

  it("refuses --at with --branch, naming both, rather than ignore --branch; BRANCH~N reads a branch's past", async () => {
    await s.ok(["block", "set", "helper", "persona", "main value"]);
    await s.ok(["branch", "create", "helper", "experiment"]);
    await s.ok(["block", "set", "helper", "persona", "trial", "--branch", "experiment"]);
    for (const command of ["get", "list"]) {
      const label = command === "get" ? ["persona"] : [];
      const both = await s.cli([
        "block",
        command,
        "helper",
        ...label,
        "--at",
        "HEAD~1",
        "--branch",
        "experiment",
      ]);
      assert.equal(both.code, 2, both.stderr);
      assert.match(both.stderr, /give --at or --branch, not both: .*--at experiment~N/);
    }
    assert.equal((await s.ok(["block", "get", "helper", "persona", "--at", "experiment"])).value, "trial");
    assert.equal(
      (await s.ok(["block", "get", "helper", "persona", "--at", "experiment~1"])).value,
      "main value",
    );
  });

  it("reports an unknown agent, block or revision with exit 1", async () => {
    const agent = await s.cli(["block", "get", "nobody", "persona", "--json"]);
    assert.deepEqual([agent.code, agent.json().error.code], [1, "not_found"]);
    const block = await s.cli(["block", "get", "helper", "nope", "--json"]);
    assert.deepEqual([block.code, block.json().error.code], [1, "not_found"]);
    const rev = await s.cli(["block", "get", "helper", "persona", "--at", "deadbeef", "--json"]);
    assert.deepEqual([rev.code, rev.json().error.code], [1, "not_found"]);
  });

  it("lists the blocks with the commit they were read at", async () => {
    const commit = await s.ok(["block", "set", "helper", "notes", "n"]);
    const set = await s.ok(["block", "list", "helper"]);
    assert.equal(set.commit, commit.id);
    assert.equal(set.branch, "main");
    assert.deepEqual(set.blocks.map((b: { label: string }) => b.label).sort(), ["human", "notes", "persona"]);
    const old = await s.ok(["block", "list", "helper", "--at", "HEAD~1"]);
    assert.equal(old.branch, null);
    assert.equal(old.blocks.length, 2);
    assert.match((await s.cli(["block", "list", "helper"])).stdout, /^commit [0-9a-f]{12} \(main\)/);
  });

  it("deletes a block as a new commit", async () => {
    const commit = await s.ok(["block", "delete", "helper", "human", "--message", "forget"]);
    assert.equal(commit.changed, true);
    assert.equal(commit.message, "forget");
    assert.equal((await s.cli(["block", "get", "helper", "human"])).code, 1);
    assert.equal((await s.ok(["block", "get", "helper", "human", "--at", "HEAD~1"])).label, "human");
    assert.equal(
      (await s.cli(["block", "delete", "helper", "human", "--json"])).json().error.code,
      "not_found",
    );
  });
});
