import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { startSleeptimeScheduler } from "./scheduler.ts";
import { manualClock, scriptedModel } from "./test-support.ts";

async function queued(engram: Engram, agentId: string) {
  const { items } = await engram.sleeptime.list(agentId);
  return items.map((j) => `${j.trigger}:${j.kind}:${j.status}`).sort();
}

const say = (content: string) => ({ role: "user" as const, content });

describe("sleep-time triggers and schedule", () => {
  it("enqueues jobs after N new messages, once per N, without piling up queued ones", async () => {
    const engram = createTestEngram({ sleeptime: { triggers: { messages: 3 } } });
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.appendMany(agent.id, [say("one"), say("two")]);
    assert.deepEqual(await queued(engram, agent.id), []);
    await engram.messages.append(agent.id, say("three"));
    // Without a model only consolidation is enqueued: reflect and rethink could not run.
    assert.deepEqual(await queued(engram, agent.id), ["messages:consolidate:queued"]);
    await engram.messages.appendMany(agent.id, [say("4"), say("5"), say("6")]);
    assert.deepEqual(
      await queued(engram, agent.id),
      ["messages:consolidate:queued"],
      "one is already waiting",
    );
    await engram.sleeptime.runPending();
    await engram.messages.appendMany(agent.id, [say("7"), say("8")]);
    assert.deepEqual(await queued(engram, agent.id), ["messages:consolidate:succeeded"]);
    await engram.messages.append(agent.id, say("9"));
    assert.deepEqual(await queued(engram, agent.id), [
      "messages:consolidate:queued",
      "messages:consolidate:succeeded",
    ]);
  });

  it("enqueues every triggered job after N finished episodes when a model is configured", async () => {
    const engram = createTestEngram({
      model: scriptedModel(() => ({})),
      sleeptime: { triggers: { messages: null, episodes: 2 } },
    });
    const agent = await engram.agents.create({ name: "a" });
    const step = { observation: "o", availableActions: ["a"], action: "a", reward: 0 };
    await engram.experience.recordEpisode(agent.id, { task: "t", steps: [step] });
    const open = await engram.experience.startEpisode(agent.id, { task: "t" });
    assert.deepEqual(await queued(engram, agent.id), []);
    await engram.experience.finishEpisode(agent.id, open.id);
    assert.deepEqual(await queued(engram, agent.id), [
      "episodes:consolidate:queued",
      "episodes:reflect:queued",
      "episodes:rethink:queued",
    ]);
    for (const job of (await engram.sleeptime.list(agent.id)).items) assert.equal(job.payload.force, false);
  });

  it("schedules forgetting for every agent each interval, and the rest only after activity", async () => {
    const clock = manualClock();
    const engram = createTestEngram({ now: clock.now, sleeptime: { schedule: { intervalMs: 60_000 } } });
    const busy = await engram.agents.create({ name: "busy" });
    const idle = await engram.agents.create({ name: "idle" });
    const name = (agentId: string) => (agentId === busy.id ? "busy" : agentId === idle.id ? "idle" : "?");
    // Both agents are new (their creation is activity): everything that can run is scheduled.
    const first = await engram.sleeptime.scheduleTick();
    assert.deepEqual(first.map((j) => `${name(j.agentId)}:${j.kind}`).sort(), [
      "busy:consolidate",
      "busy:forget",
      "idle:consolidate",
      "idle:forget",
    ]);
    // Within the same interval a tick adds nothing: it finds the forgetting jobs already made.
    const forgets = first.filter((j) => j.kind === "forget").map((j) => j.id);
    assert.deepEqual((await engram.sleeptime.scheduleTick()).map((j) => j.id).sort(), forgets.sort());
    await engram.sleeptime.runPending();

    // Next interval: only the agent that did something gets more than forgetting.
    clock.advance(60_000);
    await engram.memories.add(busy.id, { text: "something happened" });
    const second = await engram.sleeptime.scheduleTick();
    assert.deepEqual(second.map((j) => `${name(j.agentId)}:${j.kind}`).sort(), [
      "busy:consolidate",
      "busy:forget",
      "idle:forget",
    ]);
    assert.ok(second.every((j) => j.trigger === "schedule" && j.status === "queued"));
  });

  it("enqueues an interval's jobs once when several servers on one database tick it", async () => {
    const clock = manualClock();
    const dir = mkdtempSync(join(tmpdir(), "engram-schedule-"));
    const path = join(dir, "shared.db");
    const servers = [0, 1, 2].map(() =>
      createTestEngram({ path, now: clock.now, sleeptime: { schedule: { intervalMs: 60_000 } } }),
    );
    try {
      const [one] = servers as [Engram, Engram, Engram];
      await one.agents.create({ name: "a" });
      await Promise.all(servers.map((s) => s.sleeptime.scheduleTick()));
      const { items } = await one.sleeptime.list((await one.agents.list()).items[0]?.id as string);
      assert.deepEqual(items.map((j) => j.kind).sort(), ["consolidate", "forget"]);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("makes jobs once per interval of the length it is given, not of the configured one", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const engram = createTestEngram({ now: clock.now });
    const agent = await engram.agents.create({ name: "a" });
    const kinds = (jobs: { kind: string }[]) => jobs.map((j) => j.kind).sort();
    assert.deepEqual(kinds(await engram.sleeptime.scheduleTick({ intervalMs: 5_000 })), [
      "consolidate",
      "forget",
    ]);
    await engram.sleeptime.runPending();
    // Five seconds on is a new interval of 5 s, though still the same hour (the configured interval).
    clock.advance(5_000);
    await engram.memories.add(agent.id, { text: "something happened" });
    const next = await engram.sleeptime.scheduleTick({ intervalMs: 5_000 });
    assert.deepEqual(kinds(next), ["consolidate", "forget"]);
    assert.ok(
      next.every((j) => j.status === "queued"),
      "new jobs, not the finished ones of the last interval",
    );
    await assert.rejects(engram.sleeptime.scheduleTick({ intervalMs: 0 }), /intervalMs: must be a positive/);
    assert.throws(() => startSleeptimeScheduler(engram.sleeptime, { intervalMs: Number.NaN }), /intervalMs/);
    assert.throws(() => startSleeptimeScheduler(engram.sleeptime, { pollMs: 0 }), /pollMs/);
    await engram.close();
  });

  it("runs queued jobs in the background until stopped", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const kept = await engram.memories.add(agent.id, { text: "Ada lives in Paris" });
    const copy = await engram.memories.add(agent.id, { text: "Ada lives in Paris." });
    const scheduler = startSleeptimeScheduler(engram.sleeptime, { pollMs: 5 });
    const [job] = (await engram.sleeptime.enqueue(agent.id, { jobs: ["consolidate"] })).jobs;
    const jobId = job?.id ?? "";
    for (let i = 0; i < 200; i++) {
      if ((await engram.sleeptime.get(agent.id, jobId)).status === "succeeded") break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await scheduler.stop();
    const done = await engram.sleeptime.get(agent.id, jobId);
    assert.equal(done.status, "succeeded", JSON.stringify(done.error));
    // The job's effect, not only its status: the duplicate was merged into the first memory.
    assert.deepEqual(
      (done.result?.changes as { type: string }[] | undefined)?.map((c) => c.type),
      ["merged"],
    );
    const archived = await engram.memories.get(agent.id, copy.id);
    assert.notEqual(archived.archivedAt, null, "the duplicate is archived");
    assert.equal((archived.metadata.sleeptime as { mergedInto?: string }).mergedInto, kept.id);
    const active = await engram.memories.list(agent.id);
    assert.deepEqual(
      active.items.map((m) => m.id),
      [kept.id],
    );
    // Stopped means stopped: a job queued now stays queued.
    const [later] = (await engram.sleeptime.enqueue(agent.id, { jobs: ["forget"] })).jobs;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((await engram.sleeptime.get(agent.id, later?.id ?? "")).status, "queued");
    await engram.close();
  });

  it("rejects bad settings, naming the field", () => {
    assert.throws(() => createTestEngram({ sleeptime: { forget: { threshold: -1 } } }), /forget\.threshold/);
    assert.throws(
      () => createTestEngram({ sleeptime: { triggers: { jobs: ["nap" as never] } } }),
      /triggers\.jobs\.0/,
    );
  });
});
