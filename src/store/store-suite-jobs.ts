import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import {
  type Agent,
  type Commit,
  DELIVER_JOB,
  type Job,
  type JsonObject,
  type Memory,
  type NewEvent,
  type Project,
} from "../core/types.ts";
import type { AppendCommit, InsightChanges, MemoryWrite, Store } from "./store.ts";

/** What the shared suite lends its job cases: fixtures and helpers. */
export interface SuiteKit {
  id(prefix: string): string;
  at(n: number): string;
  event(projectId: string, kind: string, agentId?: string | null): NewEvent;
  withStore(fn: (store: Store) => Promise<void>): Promise<void>;
  seed(store: Store): Promise<{ project: Project; agent: Agent; root: Commit }>;
  child(parent: Commit, value: string, n: number): { commit: Commit; blob: { hash: string; value: string } };
}

/** What a sleep-time job changes, as the suite hands it to {@link completeJob}. */
export interface SuiteJobChanges {
  memoryInserts: MemoryWrite[];
  memoryUpdates: { write: MemoryWrite; expectedVersion: number }[];
  commit: AppendCommit | null;
  insights: InsightChanges | null;
  events: NewEvent[];
}

const NO_CHANGES: SuiteJobChanges = {
  memoryInserts: [],
  memoryUpdates: [],
  commit: null,
  insights: null,
  events: [],
};

/**
 * Completes a job with its changes in one unit of work, composed as the sleep-time runner composes
 * it, and returns the job as it then stands. A checkpoint is recorded when anything changed.
 */
export async function completeJob(
  store: Store,
  input: { id: string; attempt: number; changes: SuiteJobChanges; result: JsonObject; finishedAt: string },
): Promise<Job> {
  const { changes } = input;
  const agentId = (await store.jobs.get(input.id))?.agentId ?? "";
  const work = store.unitOfWork();
  work.memories.insert(changes.memoryInserts);
  for (const { write, expectedVersion } of changes.memoryUpdates)
    work.memories.update(write, expectedVersion);
  if (changes.commit !== null) work.history.append(changes.commit);
  if (changes.insights !== null) work.insights.write(agentId, changes.insights);
  work.events.add(changes.events);
  const changed =
    changes.memoryInserts.length > 0 ||
    changes.memoryUpdates.length > 0 ||
    changes.commit !== null ||
    changes.insights !== null ||
    changes.events.length > 0;
  work.jobs.complete({
    id: input.id,
    attempt: input.attempt,
    result: input.result,
    finishedAt: input.finishedAt,
    checkpoint: changed ? { commitId: changes.commit?.commit.id ?? null } : null,
  });
  await work.commit();
  return (await store.jobs.get(input.id)) as Job;
}

/**
 * Items of the suite: a queued job of an agent, a memory of an agent with a text, a write of it
 * (create or update) as a store takes it, and the append of a child commit on `main`'s `head`.
 */
export function suiteFixtures(kit: Pick<SuiteKit, "id" | "at" | "event">): {
  job(agent: Agent, fields?: Partial<Job>): Job;
  memory(agent: Agent, text: string): Memory;
  write(project: Project, m: Memory, operation: "create" | "update"): MemoryWrite;
  append(
    project: Project,
    head: Commit,
    next: { commit: Commit; blob: { hash: string; value: string } },
    agent: Agent,
  ): AppendCommit;
} {
  const { id, at, event } = kit;
  const job = (agent: Agent, fields: Partial<Job> = {}): Job => ({
    id: id("job"),
    projectId: agent.projectId,
    agentId: agent.id,
    kind: "consolidate",
    status: "queued",
    attempts: 0,
    maxAttempts: 3,
    idempotencyKey: null,
    trigger: "manual",
    payload: {},
    result: null,
    error: null,
    runAfter: at(1),
    createdAt: at(1),
    startedAt: null,
    finishedAt: null,
    leaseExpiresAt: null,
    checkpoint: null,
    ...fields,
  });

  const memory = (agent: Agent, text: string): Memory => ({
    id: id("mem"),
    agentId: agent.id,
    userId: null,
    kind: "fact",
    text,
    tags: [],
    importance: 0.5,
    validFrom: null,
    validTo: null,
    key: null,
    provenance: { messageIds: [], externalIds: [] },
    metadata: {},
    version: 1,
    accessCount: 0,
    lastAccessedAt: null,
    archivedAt: null,
    createdAt: at(0),
    updatedAt: at(0),
  });

  const write = (project: Project, m: Memory, operation: "create" | "update"): MemoryWrite => ({
    memory: m,
    version: {
      memoryId: m.id,
      version: m.version,
      operation,
      actor: "sleeptime",
      memory: m,
      createdAt: at(2),
    },
    event: { ...event(project.id, `memory.${operation}d`, m.agentId), targetId: m.id },
  });
  const append = (
    project: Project,
    head: Commit,
    next: { commit: Commit; blob: { hash: string; value: string } },
    agent: Agent,
  ): AppendCommit => ({
    agentId: agent.id,
    branch: "main",
    expectedHead: head.id,
    commit: next.commit,
    blobs: [next.blob],
    event: event(project.id, "blocks.committed", agent.id),
  });
  return { job, memory, write, append };
}

/** The job queue's part of `runStoreSuite`: enqueue, claim under leases, atomic completion. */
export function jobStoreCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed, child } = kit;

  const { job, memory, write, append } = suiteFixtures(kit);

  it("enqueues once per idempotency key, and lists jobs newest first", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const first = job(agent, { idempotencyKey: "k" });
      assert.deepEqual(await store.jobs.enqueue([first]), [first]);
      const [again] = await store.jobs.enqueue([job(agent, { idempotencyKey: "k" })]);
      assert.equal(again?.id, first.id);
      const second = job(agent, { kind: "forget" });
      await store.jobs.enqueue([second]);
      assert.deepEqual(
        (await store.jobs.list({ agentId: agent.id }, { limit: 10 })).map((j) => j.id),
        [second.id, first.id],
      );
      assert.deepEqual(
        (await store.jobs.list({ agentId: agent.id, kinds: ["forget"] }, { limit: 10 })).map((j) => j.id),
        [second.id],
      );
      assert.deepEqual(await store.jobs.get(first.id), first);
    });
  });

  it("moves a trigger's watermark only from where it was, with the jobs", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      assert.equal(await store.jobs.watermark(agent.id, "messages"), 0);
      const advance = { agentId: agent.id, source: "messages", from: 0, to: 7 };
      assert.equal((await store.jobs.enqueue([job(agent)], advance)).length, 1);
      assert.equal(await store.jobs.watermark(agent.id, "messages"), 7);
      // A second process that read the old watermark adds nothing.
      assert.deepEqual(await store.jobs.enqueue([job(agent)], advance), []);
      assert.equal((await store.jobs.list({ agentId: agent.id }, { limit: 10 })).length, 1);
    });
  });

  it("claims due jobs one agent at a time, and takes over a job whose lease lapsed", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const later = job(agent, { runAfter: at(50) });
      const now = job(agent);
      await store.jobs.enqueue([later, now]);
      const claimed = await store.jobs.claim({ now: at(10), leaseExpiresAt: at(20) });
      assert.equal(claimed?.id, now.id);
      assert.equal(claimed?.status, "running");
      assert.equal(claimed?.attempts, 1);
      // The agent has a job running under a live lease: nothing else of it is claimed.
      assert.equal(await store.jobs.claim({ now: at(15), leaseExpiresAt: at(25), ids: [later.id] }), null);
      assert.equal(await store.jobs.renew(now.id, 1, at(30)), true);
      assert.equal(await store.jobs.claim({ now: at(25), leaseExpiresAt: at(35) }), null);
      const taken = await store.jobs.claim({ now: at(31), leaseExpiresAt: at(40) });
      assert.equal(taken?.id, now.id);
      assert.equal(taken?.attempts, 2);
      assert.equal(await store.jobs.renew(now.id, 1, at(45)), false);
      await assert.rejects(
        completeJob(store, { id: now.id, attempt: 1, changes: NO_CHANGES, result: {}, finishedAt: at(41) }),
        ConflictError,
      );
      const failed = await store.jobs.fail({
        id: now.id,
        attempt: 2,
        error: { code: "internal", message: "boom" },
        retryAt: at(80),
        finishedAt: at(41),
      });
      assert.equal(failed.status, "queued");
      assert.deepEqual(failed.error, { code: "internal", message: "boom" });
      assert.equal((await store.jobs.claim({ now: at(60), leaseExpiresAt: at(70) }))?.id, later.id);
    });
  });

  it("claims a delivery beside its agent's running sleep-time job, and a delivery holds none up", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const sleep = job(agent);
      const first = job(agent, { kind: DELIVER_JOB });
      const second = job(agent, { kind: DELIVER_JOB });
      const other = job(agent, { kind: "forget", runAfter: at(2) });
      await store.jobs.enqueue([sleep, first, second, other]);
      assert.equal((await store.jobs.claim({ now: at(10), leaseExpiresAt: at(20) }))?.id, sleep.id);
      // The agent's consolidation runs: its deliveries are claimed all the same, each once.
      assert.equal((await store.jobs.claim({ now: at(11), leaseExpiresAt: at(20) }))?.id, first.id);
      assert.equal(
        (await store.jobs.claim({ now: at(11), leaseExpiresAt: at(20), ids: [second.id] }))?.id,
        second.id,
      );
      assert.equal(await store.jobs.claim({ now: at(12), leaseExpiresAt: at(20) }), null);
      // The sleep-time job ends: the next one is claimed though both deliveries still run.
      await store.jobs.fail({
        id: sleep.id,
        attempt: 1,
        error: { code: "internal", message: "boom" },
        retryAt: null,
        finishedAt: at(13),
      });
      assert.equal((await store.jobs.claim({ now: at(14), leaseExpiresAt: at(20) }))?.id, other.id);
      // A delivery whose lease lapsed is taken over.
      const taken = await store.jobs.claim({ now: at(21), leaseExpiresAt: at(30), ids: [first.id] });
      assert.equal(taken?.attempts, 2);
    });
  });

  it("claims only jobs of the kinds asked for", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const sleep = job(agent);
      const delivery = job(agent, { kind: DELIVER_JOB, runAfter: at(2) });
      await store.jobs.enqueue([sleep, delivery]);
      const lease = { now: at(10), leaseExpiresAt: at(20) };
      assert.equal(await store.jobs.claim({ ...lease, kinds: [] }), null);
      assert.equal(await store.jobs.claim({ ...lease, kinds: ["forget"] }), null);
      assert.equal((await store.jobs.claim({ ...lease, kinds: [DELIVER_JOB] }))?.id, delivery.id);
      assert.equal(await store.jobs.claim({ ...lease, kinds: [DELIVER_JOB] }), null);
      assert.equal((await store.jobs.claim({ ...lease, kinds: ["consolidate", "forget"] }))?.id, sleep.id);
    });
  });

  it("completes a job and applies its changes in one transaction, recording the checkpoint", async () => {
    await withStore(async (store) => {
      const { project, agent, root } = await seed(store);
      const a = memory(agent, "alpha");
      await store.memories.insert([write(project, a, "create")]);
      const queued = job(agent);
      await store.jobs.enqueue([queued]);
      await store.jobs.claim({ now: at(2), leaseExpiresAt: at(9) });
      const next = child(root, "rewritten", 3);
      const archived = { ...a, version: 2, archivedAt: at(3) };
      const added = memory(agent, "beta");
      const done = await completeJob(store, {
        id: queued.id,
        attempt: 1,
        changes: {
          memoryInserts: [write(project, added, "create")],
          memoryUpdates: [{ write: write(project, archived, "update"), expectedVersion: 1 }],
          commit: append(project, root, next, agent),
          insights: {
            upserts: [
              { id: id("ins"), agentId: agent.id, text: "r", count: 2, createdAt: at(3), updatedAt: at(3) },
            ],
            deletes: [],
            expected: [],
            events: [event(project.id, "insights.changed", agent.id)],
          },
          events: [event(project.id, "sleeptime.completed", agent.id)],
        },
        result: { summary: "did things" },
        finishedAt: at(4),
      });
      assert.equal(done.status, "succeeded");
      assert.deepEqual(done.result, { summary: "did things" });
      const last = (await store.events.list({ agentId: agent.id, limit: 100 })).at(-1);
      assert.deepEqual(done.checkpoint, { eventSeq: last?.seq, commitId: next.commit.id });
      assert.equal(last?.kind, "sleeptime.completed");
      assert.equal((await store.memories.get(agent.id, a.id))?.archivedAt, at(3));
      assert.equal((await store.memories.get(agent.id, added.id))?.text, "beta");
      assert.equal((await store.history.getBranch(agent.id, "main"))?.head, next.commit.id);
      assert.equal((await store.insights.list(agent.id)).length, 1);
      // Archived memories are listed only when asked for, and never searched.
      assert.deepEqual(
        (await store.memories.list({ agentId: agent.id }, { limit: 10 })).map((m) => m.text),
        ["beta"],
      );
      assert.deepEqual(
        (await store.memories.list({ agentId: agent.id, archived: "only" }, { limit: 10 })).map(
          (m) => m.text,
        ),
        ["alpha"],
      );
      assert.deepEqual(
        await store.memories.searchText({ agentId: agent.id, archived: "include" }, ["alpha"], 10),
        [],
      );
      // Completing again (a retry of the same attempt) is refused and changes nothing.
      await assert.rejects(
        completeJob(store, {
          id: queued.id,
          attempt: 1,
          changes: NO_CHANGES,
          result: {},
          finishedAt: at(5),
        }),
        ConflictError,
      );
    });
  });

  it("writes nothing at all when one change of a job is stale", async () => {
    await withStore(async (store) => {
      const { project, agent, root } = await seed(store);
      const a = memory(agent, "alpha");
      const b = memory(agent, "beta");
      await store.memories.insert([write(project, a, "create"), write(project, b, "create")]);
      const queued = job(agent);
      await store.jobs.enqueue([queued]);
      await store.jobs.claim({ now: at(2), leaseExpiresAt: at(9) });
      const before = await store.events.list({ agentId: agent.id, limit: 100 });
      const next = child(root, "rewritten", 3);
      await assert.rejects(
        completeJob(store, {
          id: queued.id,
          attempt: 1,
          changes: {
            memoryInserts: [write(project, memory(agent, "gamma"), "create")],
            memoryUpdates: [
              { write: write(project, { ...a, version: 2, text: "alpha 2" }, "update"), expectedVersion: 1 },
              // Someone else already moved beta on: this expectation is stale.
              { write: write(project, { ...b, version: 3, text: "beta 3" }, "update"), expectedVersion: 2 },
            ],
            commit: append(project, root, next, agent),
            insights: null,
            events: [event(project.id, "sleeptime.completed", agent.id)],
          },
          result: {},
          finishedAt: at(4),
        }),
        ConflictError,
      );
      assert.equal((await store.memories.get(agent.id, a.id))?.text, "alpha");
      assert.equal((await store.memories.list({ agentId: agent.id }, { limit: 10 })).length, 2);
      assert.equal((await store.history.getBranch(agent.id, "main"))?.head, root.id);
      assert.deepEqual(await store.events.list({ agentId: agent.id, limit: 100 }), before);
      assert.equal((await store.jobs.get(queued.id))?.status, "running");
    });
  });

  it("counts events after a position by kind and actor", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const start = (await store.events.list({ agentId: agent.id, limit: 100 })).at(-1)?.seq ?? 0;
      await store.agents.update(agent, event(project.id, "agent.updated", agent.id));
      await store.agents.update(agent, {
        ...event(project.id, "agent.updated", agent.id),
        actor: "sleeptime",
      });
      const all = await store.events.tally({ agentId: agent.id, afterSeq: start });
      assert.equal(all.count, 2);
      const others = await store.events.tally({
        agentId: agent.id,
        afterSeq: start,
        excludeActor: "sleeptime",
      });
      assert.equal(others.count, 1);
      assert.equal(others.lastSeq, all.lastSeq - 1);
      assert.deepEqual(await store.events.tally({ agentId: agent.id, kinds: ["nope"], afterSeq: start }), {
        count: 0,
        lastSeq: start,
      });
    });
  });
}
