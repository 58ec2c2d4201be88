import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { scriptedModel } from "./test-support.ts";

/** A model that calls every pair a contradiction, and records what it was asked. */
function contradictions() {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    prompts.push(prompt);
    const pairs = [...prompt.matchAll(/Pair (\d+):/g)].map((m) => ({
      pair: Number(m[1]),
      relation: "contradiction",
      reason: "Ada moved",
    }));
    return { pairs };
  });
  return { model, prompts };
}

describe("sleep-time consolidation", () => {
  it("merges near-duplicates and a contradiction into one current fact and one closed one", async () => {
    const { model, prompts } = contradictions();
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    const paris = await engram.memories.add(agent.id, { text: "Ada lives in Paris.", tags: ["home"] });
    const copy = await engram.memories.add(agent.id, { text: "ada lives in paris", importance: 0.9 });
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    const { jobs } = await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
    const job = jobs[0];
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));

    const current = (
      await engram.memories.list(agent.id, { validAt: new Date(Date.UTC(2027, 0, 1)).toISOString() })
    ).items;
    assert.deepEqual(
      current.map((m) => m.text),
      ["Ada lives in Berlin."],
    );
    const kept = await engram.memories.get(agent.id, paris.id);
    assert.equal(kept.validTo, berlin.createdAt, "the older fact's validity closes when the newer began");
    assert.equal(kept.archivedAt, null, "a contradicted fact is closed, not archived or deleted");
    assert.deepEqual(kept.tags, ["home"]);
    assert.equal(kept.importance, 0.9, "the merge keeps the highest importance");
    const archived = await engram.memories.get(agent.id, copy.id);
    assert.ok(archived.archivedAt !== null, "the duplicate is archived, not deleted");
    assert.equal((archived.metadata.sleeptime as { mergedInto: string }).mergedInto, paris.id);
    assert.equal((kept.metadata.sleeptime as { supersededBy: string }).supersededBy, berlin.id);
    assert.deepEqual((kept.metadata.sleeptime as { mergedFrom: string[] }).mergedFrom, [copy.id]);

    // Each changed memory has one new version, by sleeptime, naming the job.
    const history = await engram.memories.history(agent.id, paris.id);
    assert.deepEqual(
      history.map((v) => [v.version, v.actor]),
      [
        [1, "user"],
        [2, "sleeptime"],
      ],
    );
    assert.equal((history[1]?.memory.metadata.sleeptime as { job?: string } | undefined)?.job, job?.id);
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", /Ada lives in Paris/);
    assert.match(
      job?.result?.summary as string,
      /merged 1 near-duplicate memory; closed 1 contradicted fact/,
    );

    // The job's events carry its id, and its checkpoint is the last of them.
    const events = (await engram.events.list({ agentId: agent.id, limit: 100 })).items;
    const mine = events.filter((e) => e.actor === "sleeptime");
    assert.deepEqual(mine.map((e) => e.kind).sort(), [
      "memory.archived",
      "memory.updated",
      "memory.updated",
      "sleeptime.completed",
    ]);
    assert.equal(job?.checkpoint?.eventSeq, events.at(-1)?.seq);
    assert.equal(job?.checkpoint?.commitId, null);

    // Search finds neither the archived copy nor, at a time after the move, the old home.
    const found = await engram.search(agent.id, { query: "Ada lives", validAt: "2027-01-01T00:00:00.000Z" });
    assert.deepEqual(
      found.results.map((r) => r.id),
      [berlin.id],
    );
  });

  it("changes nothing when the same job runs again", async () => {
    const { model, prompts } = contradictions();
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "Ada lives in Paris" },
      { text: "Ada lives in Paris." },
      { text: "Ada lives in Berlin" },
      { text: "Ada likes green tea" },
    ]);
    await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
    const events = (await engram.events.list({ agentId: agent.id, limit: 500 })).items.length;
    const calls = prompts.length;
    const { jobs } = await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
    assert.equal(jobs[0]?.status, "succeeded");
    assert.deepEqual(jobs[0]?.result?.changes, []);
    assert.equal(jobs[0]?.checkpoint, null);
    assert.equal((await engram.events.list({ agentId: agent.id, limit: 500 })).items.length, events);
    assert.equal(prompts.length, calls, "no pair is shown to the model twice once it is settled");
  });

  it("merges duplicates without a model, and says contradictions need one", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const [a, b, c] = (
      await engram.memories.addMany(agent.id, [
        { text: "The planning meeting with the finance team is at 3 pm in room 4 on the second floor" },
        { text: "the planning meeting with the finance team is at 3 pm in room 4, second floor!" },
        // Word overlap 0.83 with the first, but the time changed: not a duplicate.
        { text: "The planning meeting with the finance team is at 5 pm in room 4 on the second floor" },
      ])
    ).value;
    const run = await engram.sleeptime.run(agent.id);
    assert.deepEqual(
      run.jobs.map((j) => [j.kind, j.status]),
      [
        ["consolidate", "succeeded"],
        ["forget", "succeeded"],
      ],
    );
    assert.deepEqual(
      run.skipped.map((s) => s.kind),
      ["reflect", "rethink"],
    );
    assert.match(run.skipped[0]?.reason ?? "", /no language model is configured/);
    assert.match(String(run.jobs[0]?.result?.warnings), /contradictions and relations were not checked/);
    const archived = (await engram.memories.list(agent.id, { archived: "only" })).items.map((m) => m.id);
    assert.equal(archived.length, 1);
    assert.ok(archived[0] === a?.id || archived[0] === b?.id);
    assert.equal(
      (await engram.memories.get(agent.id, c?.id ?? "")).archivedAt,
      null,
      "a changed number is no duplicate",
    );
  });

  it("never merges or compares memories of different end users", async () => {
    const { model, prompts } = contradictions();
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "Lives in Paris", userId: "ada" },
      { text: "Lives in Paris", userId: "bob" },
      { text: "Lives in Berlin", userId: "bob" },
    ]);
    await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
    assert.equal((await engram.memories.list(agent.id, { archived: "only" })).items.length, 0);
    assert.equal(prompts.length, 1);
    assert.doesNotMatch(prompts[0] ?? "", /ada/i);
    const ada = (await engram.memories.list(agent.id, { userId: "ada", includeShared: false })).items;
    assert.equal(ada[0]?.validTo, null);
  });

  it("fails the attempt on a malformed answer, changing nothing", async () => {
    const model = scriptedModel(() => "I think pair 1 is a contradiction.");
    const engram = createTestEngram({ model, sleeptime: { queue: { maxAttempts: 2 } } });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "Ada lives in Paris" },
      { text: "Ada lives in Paris." },
      { text: "Ada lives in Berlin" },
    ]);
    const { jobs } = await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
    assert.equal(jobs[0]?.status, "failed");
    assert.equal(jobs[0]?.attempts, 2, "a malformed answer is retried");
    assert.match(jobs[0]?.error?.message ?? "", /the model's answer is unusable: it holds no JSON object/);
    assert.equal((await engram.memories.list(agent.id, { archived: "only" })).items.length, 0);
    const events = (await engram.events.list({ agentId: agent.id, limit: 100 })).items;
    assert.ok(events.every((e) => e.actor !== "sleeptime"));
  });

  it("links pairs the model calls related and merges those it calls duplicates", async () => {
    // The prompt lists "Pair N:" blocks: the one about the cat is related, the other a duplicate.
    const model = scriptedModel((prompt) => ({
      pairs: prompt
        .split("Pair ")
        .slice(1)
        .map((block) => ({
          pair: Number.parseInt(block, 10),
          relation: /\bcat\b/.test(block) ? "related" : "duplicate",
        })),
    }));
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    const [cat, kitten, trip, journey] = (
      await engram.memories.addMany(agent.id, [
        { text: "Ada has a grey cat named Tom" },
        { text: "Ada adopted a grey kitten named Tom" },
        { text: "Ada flew to Rome in May" },
        { text: "In May Ada took a trip to Rome by plane" },
      ])
    ).value;
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    const mark = async (id = "") =>
      (await engram.memories.get(agent.id, id)).metadata.sleeptime as Record<string, unknown>;
    assert.deepEqual((await mark(cat?.id)).related, [kitten?.id]);
    assert.deepEqual((await mark(kitten?.id)).related, [cat?.id]);
    const merged = [trip, journey].map((m) => m?.id);
    const archived = (await engram.memories.list(agent.id, { archived: "only" })).items.map((m) => m.id);
    assert.equal(archived.length, 1);
    assert.ok(merged.includes(archived[0]));
    assert.equal(
      (await engram.memories.get(agent.id, journey?.id ?? "")).archivedAt,
      null,
      "the fuller one stays",
    );
  });
});
