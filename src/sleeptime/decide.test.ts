import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Memory } from "../core/types.ts";
import { createTestEngram } from "../test/index.ts";
import { scriptedModel } from "./test-support.ts";

type Verdict = { fact: number; event: string; target?: number; reason?: string };

/** A model that gives `verdicts` to every question, and records the prompts it was shown. */
function deciding(verdicts: Verdict[] | string) {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    prompts.push(prompt);
    return typeof verdicts === "string" ? verdicts : { facts: verdicts };
  });
  return { model, prompts };
}

const mark = (memory: Memory) => memory.metadata.sleeptime as Record<string, unknown> | undefined;

async function setUp(verdicts: Verdict[] | string, options: Parameters<typeof createTestEngram>[0] = {}) {
  const { model, prompts } = deciding(verdicts);
  const engram = createTestEngram({ model, ...options });
  const agent = await engram.agents.create({ name: "a" });
  return { engram, agent, prompts };
}

describe("sleep-time decision on written facts", () => {
  it("queues one job for a batch of writes, returning before the model is called; UPDATE closes the old fact", async () => {
    const { engram, agent, prompts } = await setUp([
      { fact: 1, event: "UPDATE", target: 1, reason: "moved" },
    ]);
    const paris = await engram.memories.add(agent.id, { text: "Ada lives in Paris.", userId: "ada" });
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin now.", userId: "ada" });
    assert.equal(prompts.length, 0, "the writes returned before any model call");
    const queued = (await engram.sleeptime.list(agent.id, { status: "queued" })).items;
    assert.deepEqual(
      queued.map((j) => [j.kind, j.trigger]),
      [["decide", "facts"]],
      "one job for both writes",
    );

    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(prompts.length, 1, "one model call for the batch");
    assert.match(prompts[0] ?? "", /Fact 1: .*Ada lives in Berlin now.*1\. .*Ada lives in Paris/);

    const old = await engram.memories.get(agent.id, paris.id);
    assert.equal(old.validTo, berlin.validFrom, "the old fact is closed where the new one begins");
    assert.equal(old.archivedAt, null);
    assert.equal(mark(old)?.supersededBy, berlin.id);
    assert.deepEqual(mark(await engram.memories.get(agent.id, berlin.id))?.supersedes, [paris.id]);
    const history = await engram.memories.history(agent.id, paris.id);
    assert.deepEqual(
      history.map((v) => [v.version, v.actor]),
      [
        [1, "user"],
        [2, "sleeptime"],
      ],
    );
    const events = (await engram.events.list({ agentId: agent.id, limit: 100 })).items;
    assert.deepEqual(
      events
        .filter((e) => e.actor === "sleeptime")
        .map((e) => e.kind)
        .sort(),
      ["memory.updated", "memory.updated", "sleeptime.completed"],
    );
    assert.match(job?.result?.summary as string, /1 update/);

    // The next job starts after what this one decided: a new fact alone is asked about.
    const rome = await engram.memories.add(agent.id, { text: "Ada lives in Rome.", userId: "ada" });
    const [next] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(next?.status, "succeeded", JSON.stringify(next?.error));
    assert.equal(prompts.length, 2);
    assert.match(prompts[1] ?? "", /Fact 1: .*Ada lives in Rome/);
    assert.doesNotMatch(prompts[1] ?? "", /Fact 2/);
    assert.equal(mark(await engram.memories.get(agent.id, berlin.id))?.supersededBy, rome.id);
  });

  it("NOOP archives the new fact as a duplicate of the old one", async () => {
    const { engram, agent } = await setUp([{ fact: 1, event: "NOOP", target: 1 }]);
    const tea = await engram.memories.add(agent.id, { text: "Ada likes green tea.", tags: ["drinks"] });
    const again = await engram.memories.add(agent.id, { text: "Ada is fond of green tea." });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    const duplicate = await engram.memories.get(agent.id, again.id);
    assert.ok(duplicate.archivedAt !== null, "the duplicate is archived");
    assert.equal(mark(duplicate)?.mergedInto, tea.id);
    const kept = await engram.memories.get(agent.id, tea.id);
    assert.equal(kept.archivedAt, null);
    assert.deepEqual(mark(kept)?.mergedFrom, [again.id]);
  });

  it("a fact the job closed is true again when the fact that closed it is deleted", async () => {
    const { engram, agent } = await setUp([{ fact: 1, event: "UPDATE", target: 1, reason: "moved" }]);
    const paris = await engram.memories.add(agent.id, { text: "Ada lives in Paris.", userId: "ada" });
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin now.", userId: "ada" });
    await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(mark(await engram.memories.get(agent.id, paris.id))?.supersededBy, berlin.id);
    await engram.memories.delete(agent.id, berlin.id);
    const reopened = await engram.memories.get(agent.id, paris.id);
    assert.equal(reopened.validTo, null);
    assert.equal(mark(reopened)?.supersededBy, undefined);
    const found = await engram.search(agent.id, { query: "Ada lives", userId: "ada", recordAccess: false });
    assert.deepEqual(
      found.results.map((r) => r.text),
      ["Ada lives in Paris."],
    );
  });

  it("a keyed fact the job closed, made true again by a delete, is closed by its key's newer value", async () => {
    const { engram, agent } = await setUp([{ fact: 1, event: "DELETE", target: 1, reason: "moved away" }]);
    const berlin = await engram.memories.add(agent.id, {
      text: "Ada lives in Berlin.",
      userId: "ada",
      key: "user.city",
      validFrom: "2025-01-01T00:00:00Z",
    });
    const left = await engram.memories.add(agent.id, {
      text: "Ada no longer lives in Berlin.",
      userId: "ada",
      validFrom: "2025-03-01T00:00:00Z",
    });
    await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(mark(await engram.memories.get(agent.id, berlin.id))?.supersededBy, left.id);
    const lisbon = await engram.memories.add(agent.id, {
      text: "Ada lives in Lisbon.",
      userId: "ada",
      key: "user.city",
      validFrom: "2025-05-01T00:00:00Z",
    });
    await engram.memories.delete(agent.id, left.id);
    const reopened = await engram.memories.get(agent.id, berlin.id);
    assert.equal(reopened.validTo, "2025-05-01T00:00:00.000Z");
    assert.equal(mark(reopened)?.supersededBy, lisbon.id);
    assert.equal((await engram.memories.get(agent.id, lisbon.id)).validTo, null);
  });

  it("DELETE closes the contradicted fact; ADD leaves both", async () => {
    const del = await setUp([{ fact: 1, event: "DELETE", target: 1 }]);
    const owns = await del.engram.memories.add(del.agent.id, { text: "Ada owns a red car." });
    const sold = await del.engram.memories.add(del.agent.id, { text: "Ada sold her red car." });
    await del.engram.sleeptime.runPending({ agentId: del.agent.id });
    const closed = await del.engram.memories.get(del.agent.id, owns.id);
    assert.equal(closed.validTo, sold.validFrom);
    assert.equal(mark(closed)?.supersededBy, sold.id);

    const add = await setUp([{ fact: 1, event: "ADD" }]);
    const a = await add.engram.memories.add(add.agent.id, { text: "Ada owns a red car." });
    const b = await add.engram.memories.add(add.agent.id, { text: "Ada washes her car on Sundays." });
    const [job] = await add.engram.sleeptime.runPending({ agentId: add.agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(add.prompts.length, 1);
    for (const memory of [a, b]) {
      const now = await add.engram.memories.get(add.agent.id, memory.id);
      assert.equal(now.version, 1, "ADD changes nothing");
      assert.equal(now.validTo, null);
    }
  });

  it("a malformed answer changes nothing and the job records the failure", async () => {
    for (const answer of [
      "I think they are the same",
      JSON.stringify({ facts: [{ fact: 1, event: "UPDATE", target: 7 }] }),
      JSON.stringify({ facts: [{ fact: 3, event: "ADD" }] }),
      JSON.stringify({ facts: [{ fact: 1, event: "REPLACE", target: 1 }] }),
    ]) {
      const { engram, agent, prompts } = await setUp(answer, { sleeptime: { queue: { maxAttempts: 1 } } });
      const paris = await engram.memories.add(agent.id, { text: "Ada lives in Paris." });
      await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
      const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
      assert.equal(prompts.length, 1);
      assert.equal(job?.status, "failed", answer);
      assert.match(job?.error?.message ?? "", /sleep-time decision: the model's answer is unusable/);
      const old = await engram.memories.get(agent.id, paris.id);
      assert.equal(old.version, 1, `${answer}: nothing changed`);
      assert.equal(old.validTo, null);
    }
  });

  it("shows only the same user's facts as candidates", async () => {
    const { engram, agent, prompts } = await setUp([{ fact: 1, event: "UPDATE", target: 1 }]);
    const ada = await engram.memories.add(agent.id, { text: "Ada lives in Paris.", userId: "ada" });
    const own = await engram.memories.add(agent.id, { text: "The office lives in Paris." });
    const bob = await engram.memories.add(agent.id, { text: "Bob lives in Paris.", userId: "bob" });
    const [first] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(first?.status, "succeeded", JSON.stringify(first?.error));
    assert.equal(prompts.length, 0, "facts of different users are never compared");

    const bobMoved = await engram.memories.add(agent.id, { text: "Bob lives in Lyon.", userId: "bob" });
    await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", /Bob lives in Paris/);
    assert.doesNotMatch(prompts[0] ?? "", /Ada lives|office/);
    assert.equal((await engram.memories.get(agent.id, bob.id)).validTo, bobMoved.validFrom);
    for (const untouched of [ada, own])
      assert.equal((await engram.memories.get(agent.id, untouched.id)).version, 1);
  });

  it("finds an old similar fact by search, however many facts came after it", async () => {
    const { engram, agent, prompts } = await setUp([{ fact: 1, event: "UPDATE", target: 1 }], {
      // Consolidation's bound on what it reads is not the decision's.
      sleeptime: { consolidate: { maxMemories: 3 }, decide: { maxFacts: 100 } },
    });
    const paris = await engram.memories.add(agent.id, { text: "Ada's studio is in Paris." });
    // Thirty later facts, none like another: the first job asks the model nothing.
    const words = ["garden", "violin", "harbour", "tax", "chess", "kettle"];
    await engram.memories.addMany(
      agent.id,
      Array.from({ length: 30 }, (_, i) => ({ text: `${words[i % 6]}${i} ${words[(i + 1) % 6]}${i}` })),
    );
    await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(prompts.length, 0);
    const lisbon = await engram.memories.add(agent.id, { text: "Ada's studio moved to Lisbon." });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.match(prompts.at(-1) ?? "", /Fact 1: .*studio moved to Lisbon.*1\. .*studio is in Paris/);
    assert.doesNotMatch(prompts.at(-1) ?? "", /Fact 2|garden/);
    assert.equal(mark(await engram.memories.get(agent.id, paris.id))?.supersededBy, lisbon.id);
  });

  it("decides at most maxFacts facts per job, oldest first; the next job takes the rest", async () => {
    const { engram, agent, prompts } = await setUp([{ fact: 1, event: "ADD" }], {
      sleeptime: { decide: { maxFacts: 1 } },
    });
    await engram.memories.add(agent.id, { text: "Ada lives in Paris." });
    await engram.memories.addMany(agent.id, [
      { text: "Ada lives in Berlin." },
      { text: "Ada lives in Rome." },
    ]);
    const [first] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.deepEqual(first?.result?.stats, { facts: 1, left: 2 }, "Paris alone, with no candidate");
    assert.equal(prompts.length, 0);
    await engram.memories.add(agent.id, { text: "Ada likes Rome." });
    const [second] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(second?.status, "succeeded", JSON.stringify(second?.error));
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", /Fact 1: \[since [\d-]+\] \\"Ada lives in Berlin/, "the oldest left");
    assert.doesNotMatch(prompts[0] ?? "", /Fact 2/);
  });

  it("queues nothing without a model, for keyed facts, or when switched off", async () => {
    const none = createTestEngram();
    const bare = await none.agents.create({ name: "a" });
    await none.memories.add(bare.id, { text: "Ada lives in Paris." });
    assert.deepEqual((await none.sleeptime.list(bare.id)).items, [], "no model: no job");

    const { engram, agent } = await setUp([]);
    await engram.memories.add(agent.id, { text: "Ada lives in Paris.", key: "user.city" });
    await engram.memories.add(agent.id, { text: "Ada spoke at length.", kind: "observation" });
    assert.deepEqual(
      (await engram.sleeptime.list(agent.id)).items,
      [],
      "keyed facts and other kinds: no job",
    );

    const off = await engram.agents.create({
      name: "off",
      metadata: { sleeptime: { decideOnWrite: false } },
    });
    await engram.memories.add(off.id, { text: "Ada lives in Paris." });
    assert.deepEqual((await engram.sleeptime.list(off.id)).items, [], "switched off for the agent: no job");
    await engram.memories.add(agent.id, { text: "Ada lives in Paris." });
    assert.equal((await engram.sleeptime.list(agent.id)).items.length, 1, "the switch is per agent");

    const engine = await setUp([], { sleeptime: { decide: { onWrite: false } } });
    await engine.engram.memories.add(engine.agent.id, { text: "Ada lives in Paris." });
    assert.deepEqual((await engine.engram.sleeptime.list(engine.agent.id)).items, [], "off for the engine");
  });
});
