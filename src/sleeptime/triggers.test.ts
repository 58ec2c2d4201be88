import assert from "node:assert/strict";
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

  it("runs queued jobs in the background until stopped", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const scheduler = startSleeptimeScheduler(engram.sleeptime, { pollMs: 5 });
    const [job] = (await engram.sleeptime.enqueue(agent.id, { jobs: ["forget"] })).jobs;
    for (let i = 0; i < 200; i++) {
      if ((await engram.sleeptime.get(agent.id, job?.id ?? "")).status === "succeeded") break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await scheduler.stop();
    assert.equal((await engram.sleeptime.get(agent.id, job?.id ?? "")).status, "succeeded");
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
