import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
let agentId: string;
beforeEach(async () => {
  s = sandbox();
  agentId = (await s.ok(["agent", "create", "--name", "helper"])).id;
});
afterEach(() => s.cleanup());

describe("engram log", () => {
  it("prints the commits newest first with id, author, message and time", async () => {
    const a = await s.ok(["block", "set", "helper", "persona", "one", "--message", "first"]);
    const b = await s.ok(["block", "set", "helper", "persona", "two", "--author", "sleeptime"]);
    const log = (await s.ok(["log", "helper"])).items;
    assert.equal(log.length, 3);
    assert.deepEqual(
      log.map((c: { id: string }) => c.id),
      [b.id, a.id, a.parentId],
    );
    for (const commit of log) {
      assert.match(commit.id, /^[0-9a-f]{64}$/);
      assert.ok(["user", "sleeptime"].includes(commit.author));
      assert.equal(typeof commit.message, "string");
      assert.ok(!Number.isNaN(Date.parse(commit.createdAt)));
    }
    assert.deepEqual(
      log.map((c: { author: string; message: string }) => [c.author, c.message]),
      [
        ["sleeptime", "update persona"],
        ["user", "first"],
        ["user", "create agent"],
      ],
    );
    const human = (await s.cli(["log", "helper"])).stdout.trimEnd().split("\n");
    assert.equal(human.length, 3);
    assert.match(
      human[0] ?? "",
      new RegExp(`^${b.id.slice(0, 12)}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  sleeptime  update persona$`),
    );
  });

  it("refuses --from with --branch, naming both, rather than ignore --branch", async () => {
    await s.ok(["branch", "create", "helper", "experiment"]);
    const both = await s.cli(["log", "helper", "--from", "HEAD", "--branch", "experiment"]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /give --from or --branch, not both: .*--from experiment~N/);
  });

  it("pages with --limit and --cursor, the next cursor in the JSON page and on stderr", async () => {
    for (const v of ["1", "2", "3"]) await s.ok(["block", "set", "helper", "persona", v]);
    const all = (await s.ok(["log", "helper"])).items;
    const first = await s.cli(["log", "helper", "--limit", "2", "--json"]);
    assert.equal(first.json().items.length, 2);
    const cursor = first.json().nextCursor;
    assert.equal(cursor, all[2].id);
    assert.equal(/--cursor (\S+)/.exec(first.stderr)?.[1], cursor);
    assert.equal((await s.ok(["log", "helper"])).nextCursor, null);
    const rest = (await s.ok(["log", "helper", "--limit", "2", "--cursor", cursor as string])).items;
    assert.deepEqual(
      rest.map((c: { id: string }) => c.id),
      all.slice(2).map((c: { id: string }) => c.id),
    );
    const bad = await s.cli(["log", "helper", "--limit", "0", "--json"]);
    assert.deepEqual([bad.code, bad.json().error.code], [1, "invalid_input"]);
  });
});

describe("engram rev-parse", () => {
  it("prints the full id a revision names, one line, for scripts", async () => {
    const a = await s.ok(["block", "set", "helper", "persona", "one"]);
    const b = await s.ok(["block", "set", "helper", "persona", "two"]);
    const head = await s.cli(["rev-parse", "helper", "HEAD"]);
    assert.deepEqual([head.code, head.stdout], [0, `${b.id}\n`]);
    assert.equal((await s.cli(["rev-parse", "helper", "HEAD~1"])).stdout, `${a.id}\n`);
    assert.deepEqual(await s.ok(["rev-parse", "helper", a.id.slice(0, 8)]), { id: a.id });
    const missing = await s.cli(["rev-parse", "helper", "HEAD~9", "--json"]);
    assert.deepEqual([missing.code, missing.json().error.code], [1, "not_found"]);
  });
});

describe("engram diff", () => {
  it("prints the per-block diff between two revisions", async () => {
    const from = await s.ok(["block", "set", "helper", "persona", "keep\nold"]);
    const to = await s.ok(["block", "set", "helper", "persona", "keep\nnew"]);
    await s.ok(["block", "set", "helper", "notes", "added", "--description", "scratch"]);
    const diff = await s.ok(["diff", "helper", from.id, to.id]);
    assert.equal(diff.from, from.id);
    assert.equal(diff.to, to.id);
    assert.equal(diff.blocks.length, 1);
    assert.equal(diff.blocks[0].label, "persona");
    assert.equal(diff.blocks[0].status, "modified");
    assert.equal(diff.blocks[0].patch, " keep\n-old\n+new");

    const human = (await s.cli(["diff", "helper", from.id.slice(0, 8), "HEAD"])).stdout;
    assert.match(human, /--- a\/persona\n\+\+\+ b\/persona\n keep\n-old\n\+new/);
    assert.match(
      human,
      /--- \/dev\/null\n\+\+\+ b\/notes\n# new block: limit 5000, description "scratch"\n\+added/,
    );
    assert.match((await s.cli(["diff", "helper", "HEAD", "HEAD"])).stdout, /no differences/);
  });

  it("reports an unknown revision with exit 1", async () => {
    const out = await s.cli(["diff", "helper", "HEAD", "abcdef0", "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "not_found");
    assert.match(out.json().error.message, /revision abcdef0 not found/);
  });
});

describe("engram revert", () => {
  it("makes a new commit with the blocks of a revision", async () => {
    const good = await s.ok(["block", "set", "helper", "persona", "good"]);
    await s.ok(["block", "set", "helper", "persona", "bad"]);
    await s.ok(["block", "set", "helper", "junk", "x"]);
    const reverted = await s.ok(["revert", "helper", good.id]);
    assert.equal(reverted.changed, true);
    assert.equal(reverted.branch, "main");
    assert.match(reverted.id, /^[0-9a-f]{64}$/);
    assert.match(reverted.message, new RegExp(`^Revert to ${good.id.slice(0, 12)}`));
    const log = (await s.ok(["log", "helper"])).items;
    assert.equal(log.length, 5);
    assert.equal(log[0].id, reverted.id);
    const set = await s.ok(["block", "list", "helper"]);
    assert.equal(set.blocks.find((b: { label: string }) => b.label === "persona").value, "good");
    assert.equal(
      set.blocks.some((b: { label: string }) => b.label === "junk"),
      false,
    );
    const again = await s.ok(["revert", "helper", good.id]);
    assert.equal(again.changed, false);
  });

  it("refuses a stale --expect and writes nothing; a current short one works", async () => {
    const good = await s.ok(["block", "set", "helper", "persona", "good"]);
    const bad = await s.ok(["block", "set", "helper", "persona", "bad"]);
    const before = (await s.ok(["log", "helper"])).items;
    const stale = await s.cli(["revert", "helper", good.id, "--expect", good.id, "--json"]);
    assert.equal(stale.code, 1);
    assert.equal(stale.json().error.code, "conflict");
    assert.deepEqual((await s.ok(["log", "helper"])).items, before);
    const ok = await s.ok([
      "revert",
      "helper",
      "HEAD~1",
      "--expect",
      bad.id.slice(0, 12),
      "--message",
      "undo",
    ]);
    assert.equal(ok.message, "undo");
    assert.equal(ok.parentId, bad.id);
  });

  it("reports an unknown commit with exit 1", async () => {
    const out = await s.cli(["revert", "helper", "0000000", "--json"]);
    assert.deepEqual([out.code, out.json().error.code], [1, "not_found"]);
  });
});

describe("engram branch", () => {
  it("creates, lists and deletes branches", async () => {
    const first = await s.ok(["block", "set", "helper", "persona", "a"]);
    await s.ok(["block", "set", "helper", "persona", "b"]);
    const branch = await s.ok(["branch", "create", "helper", "try/one", "--from", first.id]);
    assert.deepEqual([branch.name, branch.head], ["try/one", first.id]);
    const list = (await s.ok(["branch", "list", "helper"])).items;
    assert.deepEqual(list.map((b: { name: string }) => b.name).sort(), ["main", "try/one"]);
    assert.match((await s.cli(["branch", "list", "helper"])).stdout, /\* +main/);
    const dup = await s.cli(["branch", "create", "helper", "try/one", "--json"]);
    assert.deepEqual([dup.code, dup.json().error.code], [1, "conflict"]);
    const badName = await s.cli(["branch", "create", "helper", "HEAD", "--json"]);
    assert.deepEqual([badName.code, badName.json().error.code], [1, "invalid_input"]);
    assert.deepEqual(await s.ok(["branch", "delete", "helper", "try/one"]), {
      deleted: true,
      name: "try/one",
    });
    const main = await s.cli(["branch", "delete", "helper", "main", "--json"]);
    assert.deepEqual([main.code, main.json().error.code], [1, "invalid_input"]);
    assert.equal((await s.ok(["branch", "list", "helper"])).items.length, 1);
  });
});

describe("engram events", () => {
  it("reads the event log of all agents or one, by kind, page by page", async () => {
    const other = await s.ok(["agent", "create", "--name", "other"]);
    await s.ok(["block", "set", "helper", "persona", "p"]);
    await s.ok(["block", "set", "other", "persona", "q"]);
    const all = (await s.ok(["events"])).items;
    assert.deepEqual(
      all.map((e: { kind: string }) => e.kind),
      ["project.created", "agent.created", "agent.created", "blocks.committed", "blocks.committed"],
    );
    const mine = (await s.ok(["events", "helper"])).items;
    assert.ok(mine.every((e: { agentId: string }) => e.agentId === agentId));
    assert.equal(mine.length, 2);
    const commits = (await s.ok(["events", "--kind", "blocks.committed"])).items;
    assert.deepEqual(
      commits.map((e: { agentId: string }) => e.agentId),
      [agentId, other.id],
    );
    const page = await s.cli(["events", "--limit", "2", "--json"]);
    assert.equal(page.json().items.length, 2);
    const cursor = page.json().nextCursor as string;
    const next = (await s.ok(["events", "--limit", "2", "--cursor", cursor])).items;
    assert.deepEqual(next, all.slice(2, 4));
    const latest = await s.cli(["events", "--newest-first", "--limit", "2", "--json"]);
    assert.deepEqual(latest.json().items, all.slice(-2).reverse());
    const before = (await s.ok(["events", "--newest-first", "--cursor", latest.json().nextCursor])).items;
    assert.deepEqual(before, all.slice(0, -2).reverse());
    assert.equal((await s.cli(["events", "--newest-first", "--follow"])).code, 2);
    assert.match((await s.cli(["events"])).stdout, /^SEQ +TIME +ACTOR +KIND +TARGET\n1 /);
  });

  it("filters by actor, and refuses an unknown one naming the valid ones", async () => {
    await s.ok(["block", "set", "helper", "persona", "p"]);
    await s.ok(["block", "set", "helper", "persona", "q", "--author", "sleeptime"]);
    const bySleep = (await s.ok(["events", "helper", "--actor", "sleeptime"])).items;
    assert.deepEqual(
      bySleep.map((e: { actor: string; kind: string }) => `${e.actor} ${e.kind}`),
      ["sleeptime blocks.committed"],
    );
    const bad = await s.cli(["events", "--actor", "robot", "--json"]);
    assert.equal(bad.code, 1);
    assert.match(bad.json().error.message, /actor: must be one of user, agent, sleeptime, evolver, system/);
  });
});
