import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toIso } from "../core/clock.ts";
import { ConflictError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";
import { NO_MODEL_HELP } from "../models/language-model.ts";
import { createTestEngram } from "../test/index.ts";
import { manualClock, scriptedModel } from "./test-support.ts";

/** Writes would queue a decision job of their own; these tests follow one consolidation job. */
const NO_DECISION = { decide: { onWrite: false } };

const verdict = { pairs: [{ pair: 1, relation: "contradiction", reason: "moved" }] };

async function seedFacts(engram: Engram) {
  const agent = await engram.agents.create({ name: "a" });
  const [paris, copy, berlin] = (
    await engram.memories.addMany(agent.id, [
      { text: "Ada lives in Paris" },
      { text: "Ada lives in Paris." },
      { text: "Ada lives in Berlin" },
    ])
  ).value;
  return { agent, paris: paris?.id ?? "", copy: copy?.id ?? "", berlin: berlin?.id ?? "" };
}

/** The memories as (id, version, validTo, archived) rows, to compare whole states. */
async function snapshot(engram: Engram, agentId: string) {
  const { items } = await engram.memories.list(agentId, { archived: "include" });
  return items.map((m) => [m.id, m.version, m.validTo, m.archivedAt !== null]);
}

async function sleeptimeEvents(engram: Engram, agentId: string) {
  return (await engram.events.list({ agentId, limit: 500 })).items.filter((e) => e.actor === "sleeptime");
}

describe("the sleep-time queue", () => {
  it("leaves nothing applied when a job crashes midway, retries it, and applies it exactly once", async () => {
    const clock = manualClock();
    // The model fails on the first call, after the job has already worked out the merges.
    const model = scriptedModel((_, call) => (call === 0 ? new Error("connection reset") : verdict));
    const engram = createTestEngram({ now: clock.now, model, sleeptime: NO_DECISION });
    const { agent, paris, copy } = await seedFacts(engram);
    const before = await snapshot(engram, agent.id);
    const [queued] = (await engram.sleeptime.enqueue(agent.id, { jobs: ["consolidate"] })).jobs;

    const [first] = await engram.sleeptime.runPending();
    assert.equal(first?.id, queued?.id);
    assert.equal(first?.status, "queued", "a failed attempt goes back to the queue");
    assert.equal(first?.attempts, 1);
    assert.match(first?.error?.message ?? "", /connection reset/);
    assert.deepEqual(await snapshot(engram, agent.id), before, "no half-applied change");
    assert.deepEqual(await sleeptimeEvents(engram, agent.id), []);

    // Not before its backoff.
    assert.deepEqual(await engram.sleeptime.runPending(), []);
    clock.advance(engram.sleeptime.options.queue.retryDelayMs);
    const [second] = await engram.sleeptime.runPending();
    assert.equal(second?.status, "succeeded");
    assert.equal(second?.attempts, 2);
    assert.equal(second?.error, null);

    const versions = await Promise.all(
      [paris, copy].map(async (id) => (await engram.memories.history(agent.id, id)).map((v) => v.actor)),
    );
    assert.deepEqual(versions, [
      ["user", "sleeptime"],
      ["user", "sleeptime"],
    ]);
    assert.equal(
      (await sleeptimeEvents(engram, agent.id)).filter((e) => e.kind === "sleeptime.completed").length,
      1,
    );
    assert.deepEqual(await engram.sleeptime.runPending(), [], "nothing is left to run");
  });

  it("rolls the whole change set back when the store refuses part of it, then retries from the new state", async () => {
    const clock = manualClock();
    let engram: Engram | undefined;
    let target = "";
    // While the job waits for the model, a user edits a memory the job has already planned to change.
    const model = scriptedModel(async (_, call) => {
      if (call === 0) await engram?.memories.update(agentId, target, { tags: ["edited"] });
      return verdict;
    });
    engram = createTestEngram({ now: clock.now, model, sleeptime: NO_DECISION });
    // The oldest of two equal duplicates survives the merge, and is the fact the contradiction closes.
    const { agent, paris: survivor } = await seedFacts(engram);
    const agentId = agent.id;
    target = survivor;
    const { jobs } = await engram.sleeptime.enqueue(agent.id, { jobs: ["consolidate"] });
    const [first] = await engram.sleeptime.runPending();
    assert.equal(first?.status, "queued");
    assert.equal(first?.error?.code, "conflict");
    assert.deepEqual(
      await sleeptimeEvents(engram, agent.id),
      [],
      "the merge and the closing were both undone",
    );
    assert.deepEqual((await engram.memories.get(agent.id, survivor)).tags, ["edited"]);

    clock.advance(engram.sleeptime.options.queue.retryDelayMs);
    const [second] = await engram.sleeptime.runPending();
    assert.equal(second?.id, jobs[0]?.id);
    assert.equal(second?.status, "succeeded");
    const kept = await engram.memories.get(agent.id, survivor);
    assert.deepEqual(kept.tags, ["edited"], "the retry worked from the user's edit, not over it");
    assert.equal(kept.version, 3);
    assert.ok(kept.validTo !== null);
  });

  it("takes over a job whose runner died once its lease lapses; the dead runner cannot complete it", async () => {
    const clock = manualClock();
    const engram = createTestEngram({
      now: clock.now,
      model: scriptedModel(() => verdict),
      sleeptime: NO_DECISION,
    });
    const { agent } = await seedFacts(engram);
    const [queued] = (await engram.sleeptime.enqueue(agent.id, { jobs: ["consolidate"] })).jobs;
    const now = clock.now();
    const lease = engram.sleeptime.options.queue.leaseMs;
    const dead = await engram.store.jobs.claim({ now: toIso(now), leaseExpiresAt: toIso(now + lease) });
    assert.equal(dead?.id, queued?.id);

    assert.deepEqual(await engram.sleeptime.runPending(), [], "a live lease is respected");
    assert.equal((await engram.sleeptime.get(agent.id, queued?.id ?? "")).status, "running");
    clock.advance(lease);
    const [taken] = await engram.sleeptime.runPending();
    assert.equal(taken?.status, "succeeded");
    assert.equal(taken?.attempts, 2);
    const late = engram.store.unitOfWork();
    late.jobs.complete({
      id: queued?.id ?? "",
      attempt: 1,
      result: {},
      finishedAt: toIso(clock.now()),
      checkpoint: null,
    });
    await assert.rejects(late.commit(), ConflictError);
    assert.equal((await engram.sleeptime.get(agent.id, queued?.id ?? "")).attempts, 2);
  });

  it("fails a job that needs a model at once, with set-up help, when there is none", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.append(agent.id, { role: "user", content: "hello" });
    const { jobs, skipped } = await engram.sleeptime.run(agent.id, { jobs: ["reflect", "rethink"] });
    assert.deepEqual(skipped, []);
    for (const job of jobs) {
      assert.equal(job.status, "failed");
      assert.equal(job.attempts, 1, "retrying cannot conjure a model");
      assert.deepEqual(job.error, { code: "unavailable", message: NO_MODEL_HELP });
    }
  });

  it("returns the jobs already made for an idempotency key, and lists and pages an agent's jobs", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const first = await engram.sleeptime.enqueue(agent.id, {
      jobs: ["forget", "consolidate"],
      idempotencyKey: "k1",
    });
    assert.deepEqual(
      first.jobs.map((j) => j.kind),
      ["consolidate", "forget"],
    );
    const again = await engram.sleeptime.enqueue(agent.id, {
      jobs: ["forget", "consolidate"],
      idempotencyKey: "k1",
    });
    assert.deepEqual(
      again.jobs.map((j) => j.id),
      first.jobs.map((j) => j.id),
    );
    const page = await engram.sleeptime.list(agent.id, { limit: 1 });
    assert.equal(page.items[0]?.kind, "forget");
    const next = await engram.sleeptime.list(agent.id, { cursor: page.nextCursor ?? "" });
    assert.equal(next.items[0]?.kind, "consolidate");
    assert.equal((await engram.sleeptime.list(agent.id, { status: "succeeded" })).items.length, 0);
    await assert.rejects(
      engram.sleeptime.list(agent.id, { status: "done" as never }),
      /invalid job list: status/,
    );
    await assert.rejects(
      engram.sleeptime.enqueue(agent.id, { jobs: ["dream" as never] }),
      /invalid sleep: jobs\.0/,
    );
    await assert.rejects(
      engram.sleeptime.enqueue(agent.id, { options: { forget: { threshold: 2 } } }),
      /invalid sleep: options\.forget\.threshold/,
    );
  });

  it("keeps projects apart: another project's jobs are not found and not run", async () => {
    const engram = createTestEngram();
    const p1 = await engram.projects.create({ name: "p1" });
    const p2 = await engram.projects.create({ name: "p2" });
    const a1 = await engram.agents.create({ name: "a", project: p1.name });
    const a2 = await engram.agents.create({ name: "a", project: p2.name });
    const [job2] = (await engram.sleeptime.enqueue(a2.id, { jobs: ["forget"] })).jobs;
    const only1 = engram.forProject(p1.id);
    await assert.rejects(only1.sleeptime.get(a2.id, job2?.id ?? ""), /not found/);
    await assert.rejects(engram.sleeptime.get(a1.id, job2?.id ?? ""), /not found/);
    assert.deepEqual(await only1.sleeptime.runPending(), []);
    assert.equal((await engram.sleeptime.runPending()).length, 1);
  });
});
