import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { createTestEngram } from "../../test/index.ts";

async function snapshotOf(engram: Engram, agentId: string) {
  return {
    log: (await engram.history.log(agentId, { limit: 500 })).items.map((c) => c.id),
    blocks: await engram.blocks.list(agentId),
    events: (await engram.events.list({ agentId, limit: 500 })).items.length,
  };
}

describe("blocks", () => {
  it("starts an agent with persona and human blocks in one commit", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const { blocks, commit } = await engram.blocks.list(agent.id);
    assert.deepEqual(
      blocks.map((b) => b.label),
      ["human", "persona"],
    );
    const log = await engram.history.log(agent.id);
    assert.equal(log.items.length, 1);
    assert.equal(log.items[0]?.id, commit);
    assert.equal(log.items[0]?.author, "user");
  });

  it("commits each write with its author and message, and reads any earlier commit", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a", blocks: [{ label: "notes", value: "v1" }] });
    const first = await engram.blocks.set(agent.id, "notes", "v2", {
      author: "agent",
      message: "learned v2",
    });
    const second = await engram.blocks.set(agent.id, "notes", "v3");
    assert.equal(first.changed, true);
    assert.equal(first.commit.author, "agent");
    assert.equal(first.commit.message, "learned v2");
    assert.equal(second.commit.parentId, first.commit.id);
    assert.equal((await engram.blocks.get(agent.id, "notes")).value, "v3");
    assert.equal((await engram.blocks.get(agent.id, "notes", { at: first.commit.id })).value, "v2");
    assert.equal((await engram.blocks.get(agent.id, "notes", { at: "HEAD~2" })).value, "v1");
    assert.equal(
      (await engram.blocks.get(agent.id, "notes", { at: first.commit.id.slice(0, 8) })).value,
      "v2",
    );
  });

  it("makes no commit when nothing changes", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const head = (await engram.blocks.list(agent.id)).commit;
    const result = await engram.blocks.set(agent.id, "human", "");
    assert.equal(result.changed, false);
    assert.equal(result.commit.id, head);
    assert.equal((await engram.history.log(agent.id)).items.length, 1);
  });

  it("applies several changes as one commit", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const result = await engram.blocks.commit(agent.id, {
      changes: [
        { op: "set", label: "human", value: "Ada" },
        { op: "set", label: "goals", value: "ship", limit: 50, description: "current goals" },
        { op: "delete", label: "persona" },
      ],
      message: "reorganise",
    });
    const { blocks } = await engram.blocks.list(agent.id);
    assert.deepEqual(
      blocks.map((b) => [b.label, b.value, b.limit]),
      [
        ["goals", "ship", 50],
        ["human", "Ada", 5000],
      ],
    );
    assert.equal(result.commit.message, "reorganise");
    assert.equal((await engram.history.log(agent.id)).items.length, 2);
  });

  it("rejects a stale expected head and writes nothing", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const head = (await engram.blocks.list(agent.id)).commit;
    await engram.blocks.set(agent.id, "human", "first", { expectedHead: head });
    const before = await snapshotOf(engram, agent.id);
    await assert.rejects(
      engram.blocks.set(agent.id, "human", "second", { expectedHead: head }),
      ConflictError,
    );
    assert.deepEqual(await snapshotOf(engram, agent.id), before);
  });

  it("never loses an update between concurrent writers that name no head", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => engram.blocks.set(agent.id, `b${i}`, `value ${i}`)),
    );
    const { blocks } = await engram.blocks.list(agent.id);
    assert.equal(blocks.length, 22);
    assert.equal((await engram.history.log(agent.id, { limit: 100 })).items.length, 21);
  });

  it("appends a line and replaces one unique passage against the head it commits on", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "a",
      blocks: [
        { label: "notes", value: "", limit: 40 },
        { label: "rules", value: "be brief; be kind; be brief" },
      ],
    });
    await engram.blocks.commit(agent.id, { changes: [{ op: "append", label: "notes", text: "likes tea" }] });
    const appended = await engram.blocks.commit(agent.id, {
      changes: [{ op: "append", label: "notes", text: "lives in Oslo" }],
      author: "agent",
    });
    assert.equal((await engram.blocks.get(agent.id, "notes")).value, "likes tea\nlives in Oslo");
    assert.equal(appended.commit.author, "agent");
    assert.equal(appended.commit.message, "append notes");
    await engram.blocks.commit(agent.id, {
      changes: [{ op: "replace", label: "notes", old: "tea", new: "coffee" }],
    });
    assert.equal((await engram.blocks.get(agent.id, "notes")).value, "likes coffee\nlives in Oslo");

    const before = await snapshotOf(engram, agent.id);
    const replace = (label: string, old: string) =>
      engram.blocks.commit(agent.id, { changes: [{ op: "replace", label, old, new: "x" }] });
    await assert.rejects(replace("notes", "juice"), /was not found in block "notes"/);
    await assert.rejects(replace("rules", "be brief"), /occurs more than once in block "rules"/);
    await assert.rejects(replace("missing", "a"), NotFoundError);
    await assert.rejects(
      engram.blocks.commit(agent.id, { changes: [{ op: "append", label: "notes", text: "x".repeat(30) }] }),
      /over its limit of 40/,
    );
    await assert.rejects(
      engram.blocks.commit(agent.id, { changes: [{ op: "append", label: "notes", text: "" }] }),
      /changes\.0\.text: must not be empty/,
    );
    assert.deepEqual(await snapshotOf(engram, agent.id), before);
  });

  it("keeps every append of concurrent writers", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a", blocks: [{ label: "log", value: "" }] });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        engram.blocks.commit(agent.id, { changes: [{ op: "append", label: "log", text: `entry ${i}` }] }),
      ),
    );
    const lines = (await engram.blocks.get(agent.id, "log")).value.split("\n").sort();
    assert.deepEqual(lines, Array.from({ length: 10 }, (_, i) => `entry ${i}`).sort());
  });

  it("enforces the character limit on every write, counting code points", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "a",
      blocks: [{ label: "short", value: "", limit: 5 }],
    });
    await engram.blocks.set(agent.id, "short", "ééééé");
    const before = await snapshotOf(engram, agent.id);
    await assert.rejects(engram.blocks.set(agent.id, "short", "123456"), /over its limit of 5/);
    await assert.rejects(engram.blocks.set(agent.id, "short", "ééé", { limit: 2 }), InvalidInputError);
    await assert.rejects(engram.blocks.set(agent.id, "new", "x".repeat(5001)), /over its limit of 5000/);
    await assert.rejects(
      engram.agents.create({ name: "b", blocks: [{ label: "x", value: "toolong", limit: 3 }] }),
      /blocks\.0\.value: 7 characters, over the block's limit of 3/,
    );
    assert.deepEqual(await snapshotOf(engram, agent.id), before);
  });

  it("refuses agent writes to read-only blocks but lets the user edit them", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "a",
      blocks: [{ label: "policy", value: "be kind", readOnly: true }, { label: "scratch" }],
    });
    const before = await snapshotOf(engram, agent.id);
    await assert.rejects(
      engram.blocks.set(agent.id, "policy", "be mean", { author: "agent" }),
      ForbiddenError,
    );
    await assert.rejects(engram.blocks.delete(agent.id, "policy", { author: "agent" }), ForbiddenError);
    await assert.rejects(
      engram.blocks.set(agent.id, "scratch", "x", { author: "agent", readOnly: true }),
      ForbiddenError,
    );
    assert.deepEqual(await snapshotOf(engram, agent.id), before);
    await engram.blocks.set(agent.id, "policy", "be very kind", { author: "user" });
    assert.equal((await engram.blocks.get(agent.id, "policy")).value, "be very kind");
  });

  it("rejects bad input naming the field, and unknown agents, labels and revisions", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const before = await snapshotOf(engram, agent.id);
    await assert.rejects(engram.blocks.set(agent.id, "bad label!", "x"), /changes\.0\.label/);
    await assert.rejects(engram.blocks.set(agent.id, "human", 42 as unknown as string), /changes\.0\.value/);
    await assert.rejects(engram.blocks.set(agent.id, "human", "x", { limit: -1 }), /changes\.0\.limit/);
    await assert.rejects(engram.blocks.commit(agent.id, { changes: [] }), /at least one change/);
    await assert.rejects(
      engram.blocks.commit(agent.id, {
        changes: [
          { op: "set", label: "human", value: "a" },
          { op: "delete", label: "human" },
        ],
      }),
      /appears twice/,
    );
    await assert.rejects(engram.blocks.delete(agent.id, "nope"), NotFoundError);
    await assert.rejects(engram.blocks.get(agent.id, "nope"), NotFoundError);
    await assert.rejects(engram.blocks.get(agent.id, "human", { at: "deadbeef" }), NotFoundError);
    await assert.rejects(engram.blocks.list("agt_00000000000000000000000000"), NotFoundError);
    await assert.rejects(
      engram.blocks.set(agent.id, "human", "x", { branch: "nope" }),
      /branch "nope" not found/,
    );
    await assert.rejects(engram.blocks.set(agent.id, "human", "x", { author: "robot" as "user" }), /author/);
    assert.deepEqual(await snapshotOf(engram, agent.id), before);
  });

  it("records every commit in the event log with the blocks before and after", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const result = await engram.blocks.set(agent.id, "human", "Ada", { author: "agent" });
    const events = (await engram.events.list({ agentId: agent.id })).items;
    const last = events.at(-1);
    assert.equal(last?.kind, "blocks.committed");
    assert.equal(last?.actor, "agent");
    assert.equal(last?.targetId, result.commit.id);
    type Snapshot = { blocks: { human: { value: string } } } | undefined;
    assert.equal((last?.before as Snapshot)?.blocks.human.value, "");
    assert.equal((last?.after as Snapshot)?.blocks.human.value, "Ada");
  });
});
