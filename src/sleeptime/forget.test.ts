import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { DAY_MS, manualClock } from "./test-support.ts";

describe("sleep-time forgetting", () => {
  it("archives what faded on the forgetting curve, keeps what was recalled or vital, and can restore it", async () => {
    const clock = manualClock();
    const engram = createTestEngram({ now: clock.now });
    const agent = await engram.agents.create({ name: "a" });
    const add = (text: string, importance: number) => engram.memories.add(agent.id, { text, importance });
    const trivial = await add("the cafe had blue chairs", 0);
    const minor = await add("the train left from platform nine", 0.5);
    const recalled = await add("the office door code is 4821", 0);
    const vital = await add("Ada is allergic to penicillin", 1);

    // 15 days on, the door code is looked up once: its clock restarts and its strength doubles.
    clock.advance(15 * DAY_MS);
    await engram.search(agent.id, { query: "office door code" });
    assert.equal((await engram.memories.get(agent.id, recalled.id)).accessCount, 1);

    // At day 30: importance 0 (S = 7 d) is at R = e^(-30/7) ≈ 0.014, below 0.05; importance 0.5 (S = 14 d)
    // is at e^(-30/14) ≈ 0.117; the recalled memory (S = 14 d, t = 15 d) at ≈ 0.34.
    clock.set(Date.UTC(2026, 0, 31));
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["forget"] })).jobs;
    assert.equal(job?.status, "succeeded");
    const archived = (await engram.memories.list(agent.id, { archived: "only" })).items.map((m) => m.id);
    assert.deepEqual(archived, [trivial.id]);
    const change = (
      job?.result?.changes as { memoryId: string; retention: number; reason: string }[] | undefined
    )?.[0];
    assert.equal(change?.memoryId, trivial.id);
    assert.ok(Math.abs((change?.retention ?? 0) - Math.exp(-30 / 7)) < 1e-4);
    assert.match(change?.reason ?? "", /retention 0\.014 < 0\.05 after 30\.0 days/);
    assert.equal((await engram.search(agent.id, { query: "blue chairs cafe" })).results.length, 0);

    // Months later only the vital memory is left; nothing is deleted.
    clock.set(Date.UTC(2027, 0, 1));
    await engram.sleeptime.run(agent.id, { jobs: ["forget"] });
    assert.deepEqual(
      (await engram.memories.list(agent.id)).items.map((m) => m.id),
      [vital.id],
    );
    assert.equal((await engram.memories.list(agent.id, { archived: "include" })).items.length, 4);
    const history = await engram.memories.history(agent.id, minor.id);
    assert.deepEqual(
      history.map((v) => [v.actor, v.memory.archivedAt === null]),
      [
        ["user", true],
        ["sleeptime", false],
      ],
    );

    // Archived, not destroyed: a restore brings it back into search.
    const restored = await engram.memories.restore(agent.id, trivial.id);
    assert.equal(restored.archivedAt, null);
    assert.equal((await engram.search(agent.id, { query: "blue chairs cafe" })).results[0]?.id, trivial.id);
    const kinds = (await engram.events.list({ agentId: agent.id, limit: 200 })).items.map((e) => e.kind);
    assert.ok(kinds.includes("memory.archived") && kinds.includes("memory.restored"));
  });

  it("changes nothing when run twice at the same moment, and honours per-run settings", async () => {
    const clock = manualClock();
    const engram = createTestEngram({ now: clock.now });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "one", importance: 0 },
      { text: "two", importance: 0.5 },
    ]);
    clock.set(Date.UTC(2026, 0, 11));
    // At day 10 nothing is below 0.05, but both are below a threshold of 0.5.
    const [first] = (await engram.sleeptime.run(agent.id, { jobs: ["forget"] })).jobs;
    assert.deepEqual(first?.result?.changes, []);
    const [strict] = (
      await engram.sleeptime.run(agent.id, {
        jobs: ["forget"],
        options: { forget: { threshold: 0.5, maxArchived: 1 } },
      })
    ).jobs;
    assert.equal((strict?.result?.changes as unknown[] | undefined)?.length, 1);
    assert.match(String(strict?.result?.warnings), /1 more faded memories are left for the next run/);
    const events = (await engram.events.list({ agentId: agent.id, limit: 200 })).items.length;
    const [again] = (await engram.sleeptime.run(agent.id, { jobs: ["forget"] })).jobs;
    assert.deepEqual(again?.result?.changes, []);
    assert.equal((await engram.events.list({ agentId: agent.id, limit: 200 })).items.length, events);
  });
});
