import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { createTestEngram } from "../../test/index.ts";

async function twoAgents(engram: Engram = createTestEngram()) {
  const a = await engram.agents.create({ name: "a" });
  const b = await engram.agents.create({ name: "b" });
  const block = await engram.sharedBlocks.create({ label: "team", value: "rules: none yet", limit: 200 });
  await engram.sharedBlocks.attach(a.id, block.id);
  await engram.sharedBlocks.attach(b.id, block.id);
  return { engram, a, b, block };
}

/** What a failed call must leave unchanged: every agent's log, blocks and the block's state. */
async function stateOf(engram: Engram, agentIds: string[], blockId: string) {
  const agents = [];
  for (const id of agentIds)
    agents.push({
      log: (await engram.history.log(id, { limit: 100 })).items.map((c) => c.id),
      blocks: await engram.blocks.list(id),
    });
  return { agents, block: await engram.sharedBlocks.get(blockId) };
}

describe("shared blocks", () => {
  it("creates a project-owned block with an id, and attaches it to several agents", async () => {
    const { engram, a, b, block } = await twoAgents();
    assert.match(block.id, /^blk_[0-9a-z]{26}$/);
    const info = await engram.sharedBlocks.get(block.id);
    assert.deepEqual(info.attachments.map((x) => x.agentId).sort(), [a.id, b.id].sort());
    const seen = await engram.blocks.get(b.id, "team");
    assert.equal(seen.value, "rules: none yet");
    assert.equal(seen.sharedId, block.id);
    assert.equal(seen.limit, 200);
  });

  it("an edit through one agent commits on every attached agent, naming the editing agent", async () => {
    const { engram, a, b, block } = await twoAgents();
    const result = await engram.blocks.set(a.id, "team", "rules: be brief", { author: "agent" });
    assert.equal((await engram.blocks.get(b.id, "team")).value, "rules: be brief");
    const bHead = (await engram.history.log(b.id, { limit: 1 })).items[0];
    assert.match(bHead?.message ?? "", new RegExp(`edited through agent a \\(${a.id}\\)`));
    assert.equal(bHead?.author, "agent");
    const edits = await engram.sharedBlocks.commits(block.id);
    assert.equal(edits.items.length, 1);
    assert.equal(edits.items[0]?.agentId, a.id);
    assert.deepEqual(edits.items[0]?.commits, [
      { agentId: a.id, commitId: result.commit.id },
      { agentId: b.id, commitId: bHead?.id },
    ]);
    assert.equal((await engram.sharedBlocks.get(block.id)).value, "rules: be brief");
  });

  it("an edit on another branch stays on that branch", async () => {
    const { engram, a, b } = await twoAgents();
    await engram.history.createBranch(a.id, "try");
    await engram.blocks.set(a.id, "team", "experiment", { branch: "try" });
    assert.equal((await engram.blocks.get(b.id, "team")).value, "rules: none yet");
    assert.equal((await engram.blocks.get(a.id, "team")).value, "rules: none yet");
  });

  it("revert of a shared block is an edit that reaches every agent; diff and read-at-revision work", async () => {
    const { engram, a, b } = await twoAgents();
    const before = (await engram.history.log(b.id, { limit: 1 })).items[0]?.id ?? "";
    await engram.blocks.set(a.id, "team", "v2");
    const diff = await engram.history.diff(b.id, before, "HEAD");
    assert.equal(diff.blocks[0]?.label, "team");
    assert.equal((await engram.blocks.get(b.id, "team", { at: before })).value, "rules: none yet");
    await engram.history.revert(b.id, before);
    assert.equal((await engram.blocks.get(a.id, "team")).value, "rules: none yet");
  });

  it("a read-only attachment refuses the agent's edit (403) but not a user's, and holds for that agent only", async () => {
    const engram = createTestEngram();
    const a = await engram.agents.create({ name: "a" });
    const b = await engram.agents.create({ name: "b" });
    const block = await engram.sharedBlocks.create({ label: "team", value: "x" });
    await engram.sharedBlocks.attach(a.id, block.id);
    await engram.sharedBlocks.attach(b.id, block.id, { readOnly: true });
    const state = await stateOf(engram, [a.id, b.id], block.id);
    await assert.rejects(engram.blocks.set(b.id, "team", "y", { author: "agent" }), ForbiddenError);
    assert.deepEqual(await stateOf(engram, [a.id, b.id], block.id), state);
    await engram.blocks.set(a.id, "team", "z", { author: "agent" });
    assert.equal((await engram.blocks.get(b.id, "team")).value, "z");
    assert.equal((await engram.blocks.get(b.id, "team")).readOnly, true);
    assert.equal((await engram.blocks.get(a.id, "team")).readOnly, false);
    await engram.blocks.set(b.id, "team", "by a user");
    assert.equal((await engram.blocks.get(a.id, "team")).value, "by a user");
  });

  it("refuses a missing block, a label clash and a double attach, changing nothing", async () => {
    const { engram, a, b, block } = await twoAgents();
    const state = await stateOf(engram, [a.id, b.id], block.id);
    await assert.rejects(engram.sharedBlocks.attach(a.id, "blk_00000000000000000000000000"), NotFoundError);
    await assert.rejects(engram.sharedBlocks.attach(a.id, block.id), ConflictError);
    const clash = await engram.sharedBlocks.create({ label: "persona", value: "p" });
    await assert.rejects(
      engram.sharedBlocks.attach(a.id, clash.id),
      /already has a block labelled "persona"/,
    );
    assert.deepEqual(await stateOf(engram, [a.id, b.id], block.id), state);
    await assert.rejects(engram.sharedBlocks.create({ label: "bad label", value: "" }), InvalidInputError);
    await assert.rejects(engram.sharedBlocks.create({ label: "l", value: "x\u0000" }), InvalidInputError);
    await assert.rejects(
      engram.sharedBlocks.create({ label: "l", value: "long", limit: 2 }),
      /over its limit/,
    );
  });

  it("deleting a block still attached is refused; detaching leaves a private copy", async () => {
    const { engram, a, b, block } = await twoAgents();
    await assert.rejects(engram.sharedBlocks.delete(block.id), ConflictError);
    await assert.rejects(engram.blocks.delete(a.id, "team"), /detach it/);
    await engram.sharedBlocks.detach(a.id, "team");
    const copy = await engram.blocks.get(a.id, "team");
    assert.equal(copy.value, "rules: none yet");
    assert.equal(copy.sharedId, undefined);
    await engram.blocks.set(a.id, "team", "private now");
    assert.equal((await engram.blocks.get(b.id, "team")).value, "rules: none yet");
    await assert.rejects(engram.sharedBlocks.detach(a.id, "team"), NotFoundError);
    await engram.sharedBlocks.detach(b.id, "team");
    await engram.sharedBlocks.delete(block.id);
    await assert.rejects(engram.sharedBlocks.get(block.id), NotFoundError);
  });

  it("never attaches a block of another project, nor shows it", async () => {
    const engram = createTestEngram();
    const other = await engram.projects.create({ name: "other" });
    const foreign = await engram.sharedBlocks.create({ label: "theirs", value: "secret", project: other.id });
    const mine = await engram.agents.create({ name: "mine" });
    await assert.rejects(engram.sharedBlocks.attach(mine.id, foreign.id), NotFoundError);
    const view = engram.forProject(mine.projectId);
    await assert.rejects(view.sharedBlocks.get(foreign.id), NotFoundError);
    await assert.rejects(view.sharedBlocks.commits(foreign.id), NotFoundError);
    await assert.rejects(view.sharedBlocks.delete(foreign.id), NotFoundError);
    assert.deepEqual((await view.sharedBlocks.list()).items, []);
    assert.equal((await engram.sharedBlocks.get(foreign.id)).attachments.length, 0);
  });

  it("two writers through two agents, each naming the head it read, lose no update", async () => {
    const { engram, a, b, block } = await twoAgents();
    const headA = (await engram.blocks.list(a.id)).commit;
    const headB = (await engram.blocks.list(b.id)).commit;
    const results = await Promise.allSettled([
      engram.blocks.commit(a.id, {
        changes: [{ op: "append", label: "team", text: "from a" }],
        expectedHead: headA,
      }),
      engram.blocks.commit(b.id, {
        changes: [{ op: "append", label: "team", text: "from b" }],
        expectedHead: headB,
      }),
    ]);
    const value = (await engram.sharedBlocks.get(block.id)).value;
    for (const [i, r] of results.entries()) {
      const text = i === 0 ? "from a" : "from b";
      if (r.status === "fulfilled") assert.ok(value.includes(text), `${text} was acknowledged but is lost`);
      else assert.ok(r.reason instanceof ConflictError);
    }
    assert.equal((await engram.blocks.get(a.id, "team")).value, value);
    assert.equal((await engram.blocks.get(b.id, "team")).value, value);
  });

  it("export/import round-trips a project's agents with their shared blocks; new ids make private copies", async () => {
    const { engram, a, b, block } = await twoAgents();
    await engram.blocks.set(a.id, "team", "rules: v2");
    const docs = [await engram.transfer.export(a.id), await engram.transfer.export(b.id)];
    assert.equal(docs[0]?.sharedBlocks?.[0]?.id, block.id);

    const elsewhere = createTestEngram();
    const [a2, b2] = [
      await elsewhere.transfer.import(docs[0], { project: "moved", createProject: true }),
      await elsewhere.transfer.import(docs[1], { project: "moved" }),
    ];
    const moved = await elsewhere.sharedBlocks.get(block.id);
    assert.equal(moved.projectId, a2?.projectId);
    assert.equal(moved.value, "rules: v2");
    assert.deepEqual(moved.attachments.map((x) => x.agentId).sort(), [a.id, b.id].sort());
    assert.deepEqual((await elsewhere.transfer.export(a.id)).commits, docs[0]?.commits);
    await elsewhere.blocks.set(b2?.id ?? "", "team", "rules: v3");
    assert.equal((await elsewhere.blocks.get(a2?.id ?? "", "team")).value, "rules: v3");

    // Into another project of the same database: the block's id is taken there.
    await assert.rejects(
      engram.transfer.import(
        { ...docs[0], agent: { ...docs[0]?.agent, id: "agt_00000000000000000000000009" } },
        {
          project: "other",
          createProject: true,
        },
      ),
      ConflictError,
    );
    const { agent: copy, report } = await engram.transfer.importWithReport(docs[0], { newIds: true });
    assert.deepEqual(report.notes, [
      "shared block team: imported with new ids, the copy carries it as a private block, shared with no other agent",
    ]);
    await engram.blocks.set(copy.id, "team", "the copy's own");
    assert.equal((await engram.blocks.get(a.id, "team")).value, "rules: v2");
    assert.equal((await engram.blocks.get(copy.id, "team")).sharedId, undefined);
    assert.equal((await engram.sharedBlocks.get(block.id)).attachments.length, 2);
  });

  it("deleting an agent detaches it; deleting the project deletes its shared blocks", async () => {
    const { engram, a, b, block } = await twoAgents();
    await engram.agents.delete(a.id);
    assert.deepEqual(
      (await engram.sharedBlocks.get(block.id)).attachments.map((x) => x.agentId),
      [b.id],
    );
    await engram.blocks.set(b.id, "team", "after a left");
    assert.equal((await engram.sharedBlocks.get(block.id)).value, "after a left");
    await engram.projects.delete(b.projectId);
    await assert.rejects(engram.sharedBlocks.get(block.id), NotFoundError);
  });
});
