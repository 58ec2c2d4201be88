import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError, NotFoundError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import type { SharedBlock } from "../core/shared-block-types.ts";
import type { Agent, Commit, Project } from "../core/types.ts";
import { makeCommit } from "../memory/blocks/commit-hash.ts";
import { importAgent } from "./import-agent.ts";
import type { AppendCommit, Store } from "./store.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Shared blocks' part of `runStoreSuite`: blocks, attachments, and edits written across agents. */
export function sharedBlockCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;

  const block = (projectId: string, fields: Partial<SharedBlock> = {}): SharedBlock => ({
    id: id("blk"),
    projectId,
    label: "team",
    value: "v0",
    description: "",
    limit: 100,
    readOnly: false,
    version: 1,
    createdAt: at(1),
    updatedAt: at(1),
    ...fields,
  });

  /** A commit on the agent's main that sets `team` (shared as `blockId`) to `value`. */
  const teamCommit = (
    project: Project,
    agent: Agent,
    head: Commit,
    blockId: string,
    value: string,
    n: number,
  ): AppendCommit => {
    const others = head.tree.filter((e) => e.label !== "team");
    const entry = { label: "team", description: "", limit: 100, readOnly: false, valueHash: sha256(value) };
    const commit = makeCommit({
      parentId: head.id,
      tree: [...others, { ...entry, sharedId: blockId }],
      author: "user",
      message: `team ${n}`,
      createdAt: at(n),
    });
    return {
      agentId: agent.id,
      branch: "main",
      expectedHead: head.id,
      commit,
      blobs: [{ hash: entry.valueHash, value }],
      event: event(project.id, "blocks.committed", agent.id),
    };
  };

  /** A project with two agents, both carrying one shared block. */
  async function twoAttached(store: Store) {
    const { project, agent: a, root } = await seed(store);
    const b: Agent = { ...a, id: id("agt"), name: "b" };
    await store.agents.create(
      b,
      { commits: [root], blobs: [], branches: [{ name: "main", head: root.id }] },
      [event(project.id, "agent.created", b.id)],
    );
    const shared = block(project.id);
    await store.sharedBlocks.create(shared, event(project.id, "block.created"));
    const heads = new Map<string, Commit>();
    let version = shared.version;
    for (const agent of [a, b]) {
      const head = await headOf(store, agent.id);
      const append = teamCommit(project, agent, head, shared.id, shared.value, 1);
      await store.sharedBlocks.attach({
        blockId: shared.id,
        agentId: agent.id,
        expectedVersion: version++,
        append,
        attachment: {
          blockId: shared.id,
          agentId: agent.id,
          label: "team",
          readOnly: false,
          createdAt: at(1),
        },
        event: event(project.id, "block.attached", agent.id),
      });
      heads.set(agent.id, append.commit);
    }
    return { project, a, b, root, shared: { ...shared, version }, heads };
  }

  async function headOf(store: Store, agentId: string): Promise<Commit> {
    const branch = await store.history.getBranch(agentId, "main");
    const commit = branch === null ? null : await store.history.getCommit(agentId, branch.head);
    assert.ok(commit !== null);
    return commit;
  }

  it("shared blocks: creates, reads, pages and deletes them, refusing a missing project", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      const first = block(project.id);
      const second = block(project.id, { label: "other", readOnly: true });
      await store.sharedBlocks.create(first, event(project.id, "block.created"));
      await store.sharedBlocks.create(second, event(project.id, "block.created"));
      await assert.rejects(
        store.sharedBlocks.create(block(id("prj")), event(project.id, "x")),
        NotFoundError,
      );
      assert.deepEqual(await store.sharedBlocks.get(first.id), first);
      assert.deepEqual(await store.sharedBlocks.get(second.id), second);
      assert.deepEqual(await store.sharedBlocks.list({ projectId: project.id, limit: 1 }), [first]);
      assert.deepEqual(await store.sharedBlocks.list({ projectId: project.id, after: first.id, limit: 5 }), [
        second,
      ]);
      assert.deepEqual(await store.sharedBlocks.list({ projectId: id("prj"), limit: 5 }), []);
      await store.sharedBlocks.delete(first.id, event(project.id, "block.deleted"));
      assert.equal(await store.sharedBlocks.get(first.id), null);
      await assert.rejects(store.sharedBlocks.delete(first.id, event(project.id, "x")), NotFoundError);
    });
  });

  it("shared blocks: attaches with the agent's commit, refusing a stale version, a taken label and deletion", async () => {
    await withStore(async (store) => {
      const { project, a, shared } = await twoAttached(store);
      assert.deepEqual(
        (await store.sharedBlocks.attachments(shared.id)).map((x) => x.label),
        ["team", "team"],
      );
      assert.equal((await store.sharedBlocks.attachmentsOf(a.id))[0]?.blockId, shared.id);
      assert.equal((await store.sharedBlocks.get(shared.id))?.version, shared.version);
      await assert.rejects(store.sharedBlocks.delete(shared.id, event(project.id, "x")), ConflictError);
      const other = block(project.id);
      await store.sharedBlocks.create(other, event(project.id, "block.created"));
      const head = await headOf(store, a.id);
      const append = teamCommit(project, a, head, other.id, "v", 5);
      const eventsBefore = (await store.events.list({ limit: 500 })).length;
      await assert.rejects(
        store.sharedBlocks.attach({
          blockId: other.id,
          agentId: a.id,
          expectedVersion: 1,
          append,
          attachment: { blockId: other.id, agentId: a.id, label: "team", readOnly: true, createdAt: at(5) },
          event: event(project.id, "block.attached", a.id),
        }),
        ConflictError,
      );
      await assert.rejects(
        store.sharedBlocks.attach({
          blockId: other.id,
          agentId: a.id,
          expectedVersion: 7,
          append,
          attachment: { blockId: other.id, agentId: a.id, label: "else", readOnly: true, createdAt: at(5) },
          event: event(project.id, "block.attached", a.id),
        }),
        ConflictError,
      );
      assert.equal((await headOf(store, a.id)).id, head.id);
      assert.equal((await store.sharedBlocks.get(other.id))?.version, 1);
      assert.equal((await store.events.list({ limit: 500 })).length, eventsBefore);
      await store.sharedBlocks.detach({
        blockId: shared.id,
        agentId: a.id,
        expectedVersion: shared.version,
        append: teamCommit(project, a, head, "private", "v0", 6),
        event: event(project.id, "block.detached", a.id),
      });
      assert.deepEqual(await store.sharedBlocks.attachmentsOf(a.id), []);
    });
  });

  it("shared blocks: an edit writes every agent's commit, the block and its record, or nothing", async () => {
    await withStore(async (store) => {
      const { project, a, b, root, shared, heads } = await twoAttached(store);
      const headA = heads.get(a.id) as Commit;
      const headB = heads.get(b.id) as Commit;
      const edit = (bHead: Commit, version: number, value: string, n: number): AppendCommit => {
        const mine = teamCommit(project, a, headA, shared.id, value, n);
        const theirs = teamCommit(project, b, bHead, shared.id, value, n);
        return {
          ...mine,
          shared: {
            blocks: [
              {
                id: shared.id,
                expectedVersion: version,
                value,
                description: "",
                limit: 100,
                readOnly: false,
                updatedAt: at(n),
              },
            ],
            appends: [theirs],
            edits: [
              {
                blockId: shared.id,
                agentId: a.id,
                author: "user",
                message: mine.commit.message,
                valueHash: sha256(value),
                createdAt: at(n),
                commits: [
                  { agentId: a.id, commitId: mine.commit.id },
                  { agentId: b.id, commitId: theirs.commit.id },
                ],
              },
            ],
          },
        };
      };
      const eventsBefore = (await store.events.list({ limit: 500 })).length;
      // B's head is stale, then the block's version: nothing of either edit may land.
      await assert.rejects(store.history.append(edit(root, shared.version, "lost", 8)), ConflictError);
      await assert.rejects(store.history.append(edit(headB, shared.version - 1, "lost", 8)), ConflictError);
      assert.equal((await headOf(store, a.id)).id, headA.id);
      assert.equal((await headOf(store, b.id)).id, headB.id);
      assert.equal((await store.sharedBlocks.get(shared.id))?.value, "v0");
      assert.deepEqual(await store.sharedBlocks.edits(shared.id, { limit: 10 }), []);
      assert.equal((await store.events.list({ limit: 500 })).length, eventsBefore);

      const good = edit(headB, shared.version, "v1", 9);
      await store.history.append(good);
      assert.equal((await headOf(store, a.id)).id, good.commit.id);
      assert.equal((await headOf(store, b.id)).id, good.shared?.appends[0]?.commit.id);
      const stored = await store.sharedBlocks.get(shared.id);
      assert.equal(stored?.value, "v1");
      assert.equal(stored?.version, shared.version + 1);
      const edits = await store.sharedBlocks.edits(shared.id, { limit: 10 });
      assert.equal(edits.length, 1);
      assert.deepEqual(edits[0]?.commits, good.shared?.edits[0]?.commits);
      assert.deepEqual(
        await store.sharedBlocks.edits(shared.id, { after: String(edits[0]?.seq), limit: 10 }),
        [],
      );
      assert.equal((await store.events.list({ limit: 500 })).length, eventsBefore + 2);
    });
  });

  it("shared blocks: an import attaching an agent to a block its project has names the version it read: a block that moved refuses it, writing nothing", async () => {
    await withStore(async (store) => {
      const { project, agent: a, root } = await seed(store);
      const shared = block(project.id);
      await store.sharedBlocks.create(shared, event(project.id, "block.created"));
      const imported = (name: string, version: number) => {
        const agent: Agent = { ...a, id: id("agt"), name };
        const data = {
          agent,
          history: { commits: [root], blobs: [], branches: [{ name: "main", head: root.id }] },
          memories: [],
          messages: [],
          episodes: [],
          experience: { version: 0, records: [] },
          insights: [],
          images: [],
          sharedBlocks: [
            {
              block: { ...shared, value: "as exported" },
              attachment: {
                blockId: shared.id,
                agentId: agent.id,
                label: "team",
                readOnly: false,
                createdAt: at(2),
              },
              version,
            },
          ],
          events: [event(project.id, "agent.imported", agent.id)],
        };
        return { agent, data };
      };
      const stale = imported("stale", shared.version + 1);
      await assert.rejects(
        importAgent(store, stale.data),
        (error: unknown) =>
          error instanceof ConflictError && (error.details as { retry?: string }).retry === "shared",
      );
      assert.equal(await store.agents.get(stale.agent.id), null);
      assert.deepEqual(await store.sharedBlocks.attachments(shared.id), []);
      assert.equal((await store.sharedBlocks.get(shared.id))?.version, shared.version);

      const fresh = imported("fresh", shared.version);
      await importAgent(store, fresh.data);
      const stored = await store.sharedBlocks.get(shared.id);
      assert.deepEqual([stored?.value, stored?.version], ["v0", shared.version + 1]);
      assert.deepEqual(
        (await store.sharedBlocks.attachments(shared.id)).map((x) => x.agentId),
        [fresh.agent.id],
      );
    });
  });
}
