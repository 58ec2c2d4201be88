import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toIso } from "../core/clock.ts";
import { createTestEngram } from "../test/index.ts";
import { manualClock, scriptedModel } from "./test-support.ts";

const NO_DECISION = { decide: { onWrite: false } };

describe("sleep-time jobs interrupted past their lease", () => {
  it("fails a job whose runner died on its last attempt instead of taking it over again", async () => {
    const clock = manualClock();
    const engram = createTestEngram({
      now: clock.now,
      sleeptime: { ...NO_DECISION, queue: { maxAttempts: 2 } },
    });
    const agent = await engram.agents.create({ name: "a" });
    const [job] = (await engram.sleeptime.enqueue(agent.id, { jobs: ["forget"] })).jobs;
    const lease = engram.sleeptime.options.queue.leaseMs;
    // Two runners each claim the job and die (SIGKILL): nothing completes or fails the attempt.
    for (let i = 0; i < 2; i++) {
      const now = clock.now();
      const claimed = await engram.store.jobs.claim({ now: toIso(now), leaseExpiresAt: toIso(now + lease) });
      assert.equal(claimed?.id, job?.id);
      clock.advance(lease + 1);
    }
    assert.deepEqual(await engram.sleeptime.runPending(), [], "no third attempt of two");
    const failed = await engram.sleeptime.get(agent.id, job?.id ?? "");
    assert.equal(failed.status, "failed");
    assert.equal(failed.attempts, 2);
    assert.match(failed.error?.message ?? "", /interrupted on its last attempt \(2 of 2\)/);
  });

  it("does not apply a stalled job's changes beside another job of its agent claimed after its lease lapsed", async () => {
    const clock = manualClock();
    let release = () => {};
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const model = scriptedModel(async () => {
      if (calls++ === 0) await stalled;
      return { insights: [{ text: "Ada plans trips carefully", importance: 0.8, evidence: [1] }] };
    });
    const engram = createTestEngram({ now: clock.now, model, sleeptime: NO_DECISION });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "Ada booked the train a month ahead", importance: 1 });
    await engram.sleeptime.enqueue(agent.id, { jobs: ["reflect"] });
    // A runner starts the queued reflection; its model call stalls past the lease.
    const first = engram.sleeptime.runPending();
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    clock.advance(engram.sleeptime.options.queue.leaseMs + 1);
    // Meanwhile a reflection is run on demand, and succeeds.
    const [onDemand] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.equal(onDemand?.status, "succeeded");
    release();
    const [stalledJob, retried] = await first;
    assert.equal(stalledJob?.status, "queued", "the stalled attempt lost the job");
    assert.equal(retried?.status, "succeeded");
    const insights = (await engram.memories.list(agent.id, { kinds: ["insight"] })).items;
    assert.deepEqual(
      insights.map((m) => m.text),
      ["Ada plans trips carefully"],
      "the insight is recorded once",
    );
  });
});
