import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { createTestEngram } from "../../test/index.ts";

describe("history", () => {
  it("logs newest first with cursor pagination", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    for (let i = 1; i <= 7; i++) await engram.blocks.set(agent.id, "human", `v${i}`, { message: `m${i}` });
    const first = await engram.history.log(agent.id, { limit: 3 });
    assert.deepEqual(
      first.items.map((c) => c.message),
      ["m7", "m6", "m5"],
    );
    assert.ok(first.nextCursor);
    const second = await engram.history.log(agent.id, { limit: 3, cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      second.items.map((c) => c.message),
      ["m4", "m3", "m2"],
    );
    const third = await engram.history.log(agent.id, { limit: 3, cursor: second.nextCursor ?? "" });
    assert.deepEqual(
      third.items.map((c) => c.message),
      ["m1", "create agent"],
    );
    assert.equal(third.nextCursor, null);
  });

  it("diffs two commits per block, line by line, including settings and added or removed blocks", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "a",
      blocks: [{ label: "facts", value: "a\nb\nc" }, { label: "old" }],
    });
    const from = (await engram.blocks.list(agent.id)).commit;
    await engram.blocks.commit(agent.id, {
      changes: [
        { op: "set", label: "facts", value: "a\nB\nc", limit: 100 },
        { op: "delete", label: "old" },
        { op: "set", label: "fresh", value: "hello" },
      ],
    });
    const diff = await engram.history.diff(agent.id, from, "HEAD");
    assert.deepEqual(
      diff.blocks.map((b) => [b.label, b.status]),
      [
        ["facts", "modified"],
        ["fresh", "added"],
        ["old", "removed"],
      ],
    );
    const facts = diff.blocks[0];
    assert.equal(facts?.patch, " a\n-b\n+B\n c");
    assert.deepEqual(facts?.settings?.after, { description: "", limit: 100, readOnly: false });
    assert.equal(diff.blocks[1]?.patch, "+hello");
    assert.deepEqual((await engram.history.diff(agent.id, "HEAD", "HEAD")).blocks, []);
    await assert.rejects(engram.history.diff(agent.id, from, "0000000"), NotFoundError);
  });

  it("reverts to any commit as a new commit, keeping the history", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "a",
      blocks: [{ label: "notes", value: "v1", limit: 10 }],
    });
    const v1 = (await engram.blocks.list(agent.id)).commit;
    await engram.blocks.set(agent.id, "notes", "v2", { limit: 20 });
    await engram.blocks.set(agent.id, "extra", "x");
    const result = await engram.history.revert(agent.id, v1);
    assert.equal(result.changed, true);
    assert.match(result.commit.message, /^Revert to /);
    const { blocks } = await engram.blocks.list(agent.id);
    assert.deepEqual(
      blocks.map((b) => [b.label, b.value, b.limit]),
      [["notes", "v1", 10]],
    );
    assert.equal(result.commit.treeHash, (await engram.history.getCommit(agent.id, v1)).treeHash);
    assert.equal((await engram.history.log(agent.id)).items.length, 4);
    const again = await engram.history.revert(agent.id, v1);
    assert.equal(again.changed, false);
  });

  it("refuses a revert on a stale head and changes nothing", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const root = (await engram.blocks.list(agent.id)).commit;
    await engram.blocks.set(agent.id, "human", "x");
    await assert.rejects(engram.history.revert(agent.id, root, { expectedHead: root }), ConflictError);
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "x");
  });

  it("creates, writes to, lists and deletes branches independently of main", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const branch = await engram.history.createBranch(agent.id, "experiment/1");
    await engram.blocks.set(agent.id, "human", "on branch", { branch: "experiment/1" });
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "");
    assert.equal((await engram.blocks.get(agent.id, "human", { branch: "experiment/1" })).value, "on branch");
    assert.equal((await engram.blocks.get(agent.id, "human", { at: "experiment/1" })).value, "on branch");
    assert.deepEqual(
      (await engram.history.listBranches(agent.id)).map((b) => b.name),
      ["experiment/1", "main"],
    );
    assert.equal(branch.head, (await engram.blocks.list(agent.id)).commit);
    await assert.rejects(engram.history.createBranch(agent.id, "experiment/1"), ConflictError);
    await assert.rejects(engram.history.createBranch(agent.id, "HEAD"), InvalidInputError);
    await assert.rejects(engram.history.createBranch(agent.id, "a..b"), InvalidInputError);
    await assert.rejects(engram.history.deleteBranch(agent.id, "main"), /default branch/);
    await engram.history.deleteBranch(agent.id, "experiment/1");
    await assert.rejects(engram.history.deleteBranch(agent.id, "experiment/1"), NotFoundError);
  });

  it("forks an agent from any commit with the same commit ids, then lets both evolve apart", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const first = await engram.blocks.set(agent.id, "human", "one");
    await engram.blocks.set(agent.id, "human", "two");
    const fork = await engram.agents.fork(agent.id, { name: "b", at: first.commit.id });
    assert.notEqual(fork.id, agent.id);
    assert.deepEqual(fork.metadata.forkedFrom, { agentId: agent.id, commit: first.commit.id });
    assert.equal((await engram.blocks.get(fork.id, "human")).value, "one");
    const forkLog = (await engram.history.log(fork.id)).items.map((c) => c.id);
    const sourceLog = (await engram.history.log(agent.id)).items.map((c) => c.id);
    assert.deepEqual(forkLog, sourceLog.slice(1));
    await engram.blocks.set(fork.id, "human", "fork only");
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "two");
    await assert.rejects(engram.agents.fork(agent.id, { at: "ffffffff" }), NotFoundError);
  });

  it("resolves HEAD~N and rejects going past the first commit", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const root = (await engram.blocks.list(agent.id)).commit;
    await engram.blocks.set(agent.id, "human", "x");
    assert.equal(await engram.history.resolve(agent.id, "HEAD~1"), root);
    assert.equal(await engram.history.resolve(agent.id, "main~1"), root);
    await assert.rejects(engram.history.resolve(agent.id, "HEAD~2"), /past the first commit/);
    await assert.rejects(engram.history.resolve(agent.id, ""), InvalidInputError);
  });
});
