import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, NotFoundError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { evolutionStoreTests } from "./evolution-suite.ts";
import type { Store, StoredApiKey } from "./store.ts";
import { eventCases } from "./store-suite-events.ts";
import { graphStoreCases } from "./store-suite-graph.ts";
import { graphWorkCases } from "./store-suite-graph-work.ts";
import { groupCases } from "./store-suite-groups.ts";
import { imageStoreCases } from "./store-suite-images.ts";
import { importStoreCases } from "./store-suite-import.ts";
import { jobStoreCases, suiteFixtures } from "./store-suite-jobs.ts";
import { keyedFactCases } from "./store-suite-keyed.ts";
import { suiteKit } from "./store-suite-kit.ts";
import { learningStoreCases } from "./store-suite-learning.ts";
import { turnLeaseCases } from "./store-suite-leases.ts";
import { mcpServerCases } from "./store-suite-mcp-servers.ts";
import { memoryListCases } from "./store-suite-memory-list.ts";
import { messageStoreCases } from "./store-suite-messages.ts";
import { settingsCases } from "./store-suite-settings.ts";
import { sharedBlockCases } from "./store-suite-shared-blocks.ts";
import { vectorStoreCases } from "./store-suite-vectors.ts";
import { webhookCases } from "./store-suite-webhooks.ts";
import { unitOfWorkCases } from "./store-suite-work.ts";

/**
 * The behaviour every storage backend must have. A backend's own test is a few lines:
 *
 * @example
 * runStoreSuite({ name: "sqlite", create: () => createSqliteStore({ path: ":memory:" }) });
 */
export function runStoreSuite(options: { name: string; create: () => Store | Promise<Store> }): void {
  const kit = suiteKit(options.create);
  const { id, at, event, withStore, seed, child } = kit;

  describe(`store suite: ${options.name}`, () => {
    vectorStoreCases(kit);
    keyedFactCases(kit);
    memoryListCases(kit);
    graphStoreCases(kit);
    messageStoreCases(kit);
    graphWorkCases(kit);
    evolutionStoreTests(withStore);
    it("keeps agent names unique within a project, finding an agent by its name", async () => {
      await withStore(async (store) => {
        const { project, agent } = await seed(store);
        assert.deepEqual(await store.agents.getByName(project.id, "a"), agent);
        assert.equal(await store.agents.getByName(project.id, "b"), null);
        const twin = { ...agent, id: id("agt") };
        const history = { commits: [], blobs: [], branches: [] };
        await assert.rejects(
          store.agents.create(twin, history, [event(project.id, "agent.created", twin.id)]),
          (error: unknown) => error instanceof ConflictError && /"a"/.test(error.message),
        );
        assert.equal(await store.agents.get(twin.id), null);
        await store.agents.create({ ...twin, name: "b" }, history, [
          event(project.id, "agent.created", twin.id),
        ]);
        await assert.rejects(
          store.agents.update({ ...twin, name: "a" }, event(project.id, "agent.updated", twin.id)),
          ConflictError,
        );
        assert.equal((await store.agents.get(twin.id))?.name, "b");
        // An agent with the id of its project's agent of a name, read together.
        assert.deepEqual(await store.agents.getWithSiblingId(agent.id, "b"), { agent, siblingId: twin.id });
        assert.deepEqual(await store.agents.getWithSiblingId(agent.id, "c"), { agent, siblingId: null });
        assert.equal(await store.agents.getWithSiblingId("agt_missing", "b"), null);
      });
    });
    it("creates, reads, lists, renames and deletes projects", async () => {
      await withStore(async (store) => {
        const { project } = await seed(store);
        assert.deepEqual(await store.projects.get(project.id), project);
        assert.deepEqual(await store.projects.getByName(project.name), project);
        await assert.rejects(
          store.projects.create({ ...project, id: id("prj") }, event(project.id, "x")),
          ConflictError,
        );
        const renamed = { ...project, name: "renamed", updatedAt: at(5) };
        await store.projects.update(renamed, event(project.id, "project.updated"));
        assert.equal((await store.projects.get(project.id))?.name, "renamed");
        assert.equal((await store.projects.list({ limit: 10 })).length, 1);
        await store.projects.delete(project.id, event(project.id, "project.deleted"));
        assert.equal(await store.projects.get(project.id), null);
        await assert.rejects(store.projects.delete(project.id, event(project.id, "x")), NotFoundError);
      });
    });

    it("creates an agent with its history, and lists agents by project with a cursor", async () => {
      await withStore(async (store) => {
        const { project, agent, root } = await seed(store);
        assert.deepEqual(await store.agents.get(agent.id), agent);
        assert.deepEqual(await store.history.getCommit(agent.id, root.id), root);
        assert.deepEqual((await store.history.getBranch(agent.id, "main"))?.head, root.id);
        const second = { ...agent, id: id("agt"), name: "b" };
        await store.agents.create(
          second,
          { commits: [root], blobs: [], branches: [{ name: "main", head: root.id }] },
          [],
        );
        const page1 = await store.agents.list({ projectId: project.id, limit: 1 });
        const page2 = await store.agents.list({ projectId: project.id, after: page1[0]?.id, limit: 1 });
        assert.deepEqual(
          [...page1, ...page2].map((a) => a.id),
          [agent.id, second.id],
        );
        assert.deepEqual(await store.agents.list({ projectId: "prj_none", limit: 10 }), []);
        await assert.rejects(
          store.agents.create(agent, { commits: [], blobs: [], branches: [] }, []),
          ConflictError,
        );
        const orphan = { ...agent, id: id("agt"), name: "orphan", projectId: id("prj") };
        await assert.rejects(
          store.agents.create(orphan, { commits: [], blobs: [], branches: [] }, []),
          NotFoundError,
        );
        assert.equal(await store.agents.get(orphan.id), null);
      });
    });

    it("appends commits only on the expected head, writing nothing on a conflict", async () => {
      await withStore(async (store) => {
        const { project, agent, root } = await seed(store);
        const first = child(root, "one", 1);
        await store.history.append({
          agentId: agent.id,
          branch: "main",
          expectedHead: root.id,
          commit: first.commit,
          blobs: [first.blob],
          event: event(project.id, "blocks.committed", agent.id),
        });
        const stale = child(root, "two", 2);
        const eventsBefore = await store.events.list({ agentId: agent.id, limit: 100 });
        await assert.rejects(
          store.history.append({
            agentId: agent.id,
            branch: "main",
            expectedHead: root.id,
            commit: stale.commit,
            blobs: [stale.blob],
            event: event(project.id, "blocks.committed", agent.id),
          }),
          ConflictError,
        );
        assert.equal((await store.history.getBranch(agent.id, "main"))?.head, first.commit.id);
        assert.equal(await store.history.getCommit(agent.id, stale.commit.id), null);
        assert.equal((await store.history.getBlobs(agent.id, [stale.blob.hash])).size, 0);
        assert.equal(
          (await store.events.list({ agentId: agent.id, limit: 100 })).length,
          eventsBefore.length,
        );
      });
    });

    it("walks the log newest first, checks ancestry and finds commits by prefix", async () => {
      await withStore(async (store) => {
        const { project, agent, root } = await seed(store);
        let head = root;
        for (let n = 1; n <= 5; n++) {
          const next = child(head, `v${n}`, n);
          await store.history.append(suiteFixtures(kit).append(project, head, next, agent));
          head = next.commit;
        }
        const log = await store.history.log(agent.id, head.id, { limit: 3 });
        assert.deepEqual(
          log.map((c) => c.message),
          ["c5", "c4", "c3"],
        );
        assert.equal((await store.history.log(agent.id, head.id, { limit: 100 })).length, 6);
        assert.equal(await store.history.isAncestor(agent.id, root.id, head.id), true);
        assert.equal(await store.history.isAncestor(agent.id, head.id, root.id), false);
        assert.deepEqual(await store.history.findCommitIds(agent.id, head.id.slice(0, 10), 5), [head.id]);
        // Pattern characters in a prefix match themselves, not any id.
        assert.deepEqual(await store.history.findCommitIds(agent.id, "%", 5), []);
        assert.deepEqual(await store.history.findCommitIds(agent.id, `${head.id.slice(0, 3)}_`, 5), []);
        const snapshot = await store.history.snapshot(agent.id);
        assert.equal(snapshot.commits.length, 6);
        assert.equal(snapshot.commits[0]?.id, root.id);
        assert.equal(snapshot.blobs.length, 6);
        const partial = await store.history.snapshot(agent.id, log[2]?.id);
        assert.deepEqual(
          partial.commits.map((c) => c.message),
          ["root", "c1", "c2", "c3"],
        );
        assert.equal(partial.blobs.length, 4);
        // Blobs come in hash order, so snapshots (and the exports made of them) compare equal across backends.
        for (const { blobs } of [snapshot, partial]) {
          const hashes = blobs.map((blob) => blob.hash);
          assert.deepEqual(hashes, [...hashes].sort());
        }
      });
    });

    it("creates, moves and deletes branches with compare-and-swap", async () => {
      await withStore(async (store) => {
        const { project, agent, root } = await seed(store);
        const ev = () => event(project.id, "branch", agent.id);
        await store.history.setBranch({
          agentId: agent.id,
          name: "exp",
          commitId: root.id,
          expectedHead: null,
          event: ev(),
        });
        await assert.rejects(
          store.history.setBranch({
            agentId: agent.id,
            name: "exp",
            commitId: root.id,
            expectedHead: null,
            event: ev(),
          }),
          ConflictError,
        );
        await assert.rejects(
          store.history.setBranch({
            agentId: agent.id,
            name: "x",
            commitId: "f".repeat(64),
            expectedHead: null,
            event: ev(),
          }),
          NotFoundError,
        );
        assert.deepEqual(
          (await store.history.listBranches(agent.id)).map((b) => b.name),
          ["exp", "main"],
        );
        await assert.rejects(
          store.history.deleteBranch({
            agentId: agent.id,
            name: "exp",
            expectedHead: "0".repeat(64),
            event: ev(),
          }),
          ConflictError,
        );
        await store.history.deleteBranch({
          agentId: agent.id,
          name: "exp",
          expectedHead: root.id,
          event: ev(),
        });
        assert.equal(await store.history.getBranch(agent.id, "exp"), null);
      });
    });

    it("keeps agents apart: one agent's commits and blobs are invisible to another", async () => {
      await withStore(async (store) => {
        const a = await seed(store);
        const b = await seed(store);
        const next = child(a.root, "secret", 1);
        await store.history.append({
          agentId: a.agent.id,
          branch: "main",
          expectedHead: a.root.id,
          commit: next.commit,
          blobs: [next.blob],
          event: event(a.project.id, "blocks.committed", a.agent.id),
        });
        assert.equal(await store.history.getCommit(b.agent.id, next.commit.id), null);
        assert.equal((await store.history.getBlobs(b.agent.id, [next.blob.hash])).size, 0);
        assert.deepEqual(await store.history.findCommitIds(b.agent.id, next.commit.id.slice(0, 8), 5), []);
        const bEvents = await store.events.list({ agentId: b.agent.id, limit: 100 });
        assert.ok(bEvents.every((e) => e.agentId === b.agent.id));
        const projectEvents = await store.events.list({ projectId: b.project.id, limit: 100 });
        assert.ok(projectEvents.length > 0 && projectEvents.every((e) => e.projectId === b.project.id));
      });
    });

    it("deletes an agent with everything it owns, keeping the audit log", async () => {
      await withStore(async (store) => {
        const { project, agent, root } = await seed(store);
        await store.agents.delete(agent.id, event(project.id, "agent.deleted", agent.id));
        assert.equal(await store.agents.get(agent.id), null);
        assert.equal(await store.history.getCommit(agent.id, root.id), null);
        assert.equal(await store.history.getBranch(agent.id, "main"), null);
        assert.equal(
          (
            await store.history.getBlobs(
              agent.id,
              root.tree.map((e) => e.valueHash),
            )
          ).size,
          0,
        );
        const kinds = (await store.events.list({ agentId: agent.id, limit: 10 })).map((e) => e.kind);
        assert.deepEqual(kinds, ["agent.created", "agent.deleted"]);
        await assert.rejects(store.agents.delete(agent.id, event(project.id, "x")), NotFoundError);
      });
    });

    it("pages events in order by sequence and filters by kind", async () => {
      await withStore(async (store) => {
        const { project, agent } = await seed(store);
        await store.agents.update(
          { ...agent, name: "renamed" },
          event(project.id, "agent.updated", agent.id),
        );
        const all = await store.events.list({ projectId: project.id, limit: 100 });
        assert.deepEqual(
          all.map((e) => e.kind),
          ["project.created", "agent.created", "agent.updated"],
        );
        const after = await store.events.list({ projectId: project.id, afterSeq: all[0]?.seq, limit: 1 });
        assert.deepEqual(
          after.map((e) => e.kind),
          ["agent.created"],
        );
        const updated = await store.events.list({ projectId: project.id, kind: "agent.updated", limit: 10 });
        assert.deepEqual(updated[0]?.after, { kind: "agent.updated" });
      });
    });

    jobStoreCases(kit);
    unitOfWorkCases(kit);
    importStoreCases(kit);
    turnLeaseCases(kit);
    learningStoreCases(kit);
    settingsCases(kit);
    eventCases(kit);
    webhookCases(kit);
    groupCases(kit);
    sharedBlockCases(kit);
    mcpServerCases(kit);
    imageStoreCases(kit);
    it("stores API keys by project, pages them, revokes once, and deletes them with their project", async () => {
      await withStore(async (store) => {
        const { project } = await seed(store);
        const key = (n: number, projectId = project.id): StoredApiKey => ({
          id: id("key"),
          projectId,
          name: `k${n}`,
          prefix: `pre${n}`,
          secretHash: sha256(`secret ${n}`),
          createdAt: at(n),
          lastUsedAt: null,
          revokedAt: null,
        });
        const [a, b] = [key(1), key(2)];
        await store.keys.create(a, event(project.id, "key.created"));
        await store.keys.create(b, event(project.id, "key.created"));
        await assert.rejects(store.keys.create(a, event(project.id, "x")), ConflictError);
        await assert.rejects(store.keys.create(key(3, id("prj")), event(project.id, "x")), NotFoundError);
        assert.deepEqual(await store.keys.get(a.id), a);
        assert.equal(await store.keys.get(id("key")), null);
        const { secretHash: _, ...shown } = a;
        const page = await store.keys.list({ projectId: project.id, limit: 1 });
        assert.deepEqual(page, [shown]);
        assert.equal("secretHash" in (page[0] as object), false);
        assert.deepEqual(
          (await store.keys.list({ after: a.id, limit: 10 })).map((k) => k.id),
          [b.id],
        );
        assert.equal(await store.keys.countActive(project.id), 2);

        await store.keys.touch(a.id, at(7));
        assert.equal((await store.keys.get(a.id))?.lastUsedAt, at(7));
        assert.equal(await store.keys.revoke(a.id, at(8), event(project.id, "key.revoked")), true);
        assert.equal(await store.keys.revoke(a.id, at(9), event(project.id, "key.revoked")), false);
        assert.equal((await store.keys.get(a.id))?.revokedAt, at(8));
        await assert.rejects(store.keys.revoke(id("key"), at(9), event(project.id, "x")), NotFoundError);
        assert.deepEqual(
          (await store.keys.list({ projectId: project.id, limit: 10 })).map((k) => k.id),
          [b.id],
        );
        assert.equal((await store.keys.list({ includeRevoked: true, limit: 10 })).length, 2);
        assert.equal(await store.keys.countActive(), 1);
        const kinds = (await store.events.list({ projectId: project.id, limit: 10 })).map((e) => e.kind);
        assert.deepEqual(kinds.slice(-3), ["key.created", "key.created", "key.revoked"]);

        await store.projects.delete(project.id, event(project.id, "project.deleted"));
        assert.equal(await store.keys.get(b.id), null);
        assert.equal(await store.keys.countActive(), 0);
      });
    });
  });
}
