import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError, EngramError } from "../core/errors.ts";
import type { Insight } from "../core/types.ts";
import { type SuiteKit, suiteFixtures } from "./store-suite-jobs.ts";

/** The unit of work's part of `runStoreSuite`: all or nothing across domains, events in order. */
export function unitOfWorkCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed, child } = kit;
  const { memory, write, append } = suiteFixtures(kit);
  const rule = (agentId: string, text: string): Insight => ({
    id: id("ins"),
    agentId,
    text,
    count: 1,
    createdAt: at(3),
    updatedAt: at(3),
  });

  it("unit of work: a stale compare-and-swap in its last operation leaves nothing of the earlier ones", async () => {
    await withStore(async (store) => {
      const { project, agent, root } = await seed(store);
      const a = memory(agent, "alpha");
      await store.memories.insert([write(project, a, "create")]);
      await store.memories.update(write(project, { ...a, version: 2, text: "alpha 2" }, "update"), 1);
      const events = await store.events.list({ projectId: project.id, limit: 100 });
      const next = child(root, "rewritten", 3);

      const work = store.unitOfWork();
      work.memories.insert([write(project, memory(agent, "beta"), "create")]);
      work.history.append(append(project, root, next, agent));
      work.insights.write(agent.id, {
        upserts: [rule(agent.id, "look twice")],
        deletes: [],
        expected: [],
        events: [event(project.id, "insights.changed", agent.id)],
      });
      work.events.add([event(project.id, "summary", agent.id)]);
      // Read at version 1; it is at 2 now.
      work.memories.update(write(project, { ...a, version: 2, text: "alpha 3" }, "update"), 1);
      await assert.rejects(work.commit(), ConflictError);

      assert.deepEqual(
        (await store.memories.list({ agentId: agent.id }, { limit: 10 })).map((m) => m.text),
        ["alpha 2"],
      );
      assert.equal((await store.history.getBranch(agent.id, "main"))?.head, root.id);
      assert.equal(await store.history.getCommit(agent.id, next.commit.id), null);
      assert.deepEqual(await store.insights.list(agent.id), []);
      assert.deepEqual(await store.events.list({ projectId: project.id, limit: 100 }), events);
    });
  });

  it("unit of work: a job lost to another attempt leaves nothing of the changes before its completion", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const queued = suiteFixtures(kit).job(agent);
      await store.jobs.enqueue([queued]);
      await store.jobs.claim({ now: at(2), leaseExpiresAt: at(3) });
      await store.jobs.claim({ now: at(4), leaseExpiresAt: at(9) });
      const work = store.unitOfWork();
      work.memories.insert([write(project, memory(agent, "gamma"), "create")]);
      work.events.add([event(project.id, "sleeptime.completed", agent.id)]);
      work.jobs.complete({ id: queued.id, attempt: 1, result: {}, finishedAt: at(5), checkpoint: null });
      await assert.rejects(work.commit(), ConflictError);
      assert.equal(await store.memories.count(agent.id), 0);
      assert.deepEqual(
        (await store.events.list({ agentId: agent.id, kinds: ["sleeptime.completed"], limit: 10 })).length,
        0,
      );
      const held = await store.jobs.get(queued.id);
      assert.equal(held?.status, "running");
      assert.equal(held?.attempts, 2);
    });
  });

  it("unit of work: its events are committed together, in the order its operations add them", async () => {
    await withStore(async (store) => {
      const { project, agent, root } = await seed(store);
      const start = await store.events.lastSeq();
      const next = child(root, "rewritten", 3);
      const work = store.unitOfWork();
      work.events.add([event(project.id, "first", agent.id)]);
      work.memories.insert([write(project, memory(agent, "beta"), "create")]);
      work.history.append(append(project, root, next, agent));
      work.events.add([event(project.id, "second", agent.id), event(project.id, "third", agent.id)]);
      assert.equal(work.operations.length, 4);
      // Nothing is written before the commit.
      assert.equal(await store.events.lastSeq(), start);
      assert.equal(await store.memories.count(agent.id), 0);
      await work.commit();
      const written = await store.events.list({ projectId: project.id, afterSeq: start, limit: 10 });
      assert.deepEqual(
        written.map((e) => e.kind),
        ["first", "memory.created", "blocks.committed", "second", "third"],
      );
      const seqs = written.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => (seqs[0] ?? 0) + i),
        "no other write's event falls between them",
      );
      assert.equal((await store.history.getBranch(agent.id, "main"))?.head, next.commit.id);
      // The branch and its head commit read together are what each read alone gives.
      assert.deepEqual(await store.history.getHead(agent.id, "main"), {
        branch: await store.history.getBranch(agent.id, "main"),
        commit: await store.history.getCommit(agent.id, next.commit.id),
      });
      assert.equal(await store.history.getHead(agent.id, "no-such-branch"), null);
    });
  });

  it("unit of work: an empty unit is a no-op, and a unit commits once", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const start = await store.events.lastSeq();
      const empty = store.unitOfWork();
      await empty.commit();
      assert.equal(await store.events.lastSeq(), start);
      await assert.rejects(empty.commit(), EngramError);
      assert.throws(() => empty.events.add([event(project.id, "late", agent.id)]), EngramError);
      assert.equal(await store.events.lastSeq(), start);
    });
  });
}
