import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Memory } from "../../core/types.ts";
import { scriptedModel as answering } from "../../sleeptime/test-support.ts";
import { createTestEngram, scriptedModel } from "../../test/index.ts";

/**
 * Memory that stays true, as a user of an assistant meets it: facts that change are decided by the
 * agent's model on write (the `decide` job), and what search, the graph and the context say
 * afterwards is what is true now.
 */

type Verdict = { fact: number; event: string; target?: number };

const mark = (memory: Memory) => (memory.metadata.sleeptime ?? {}) as Record<string, unknown>;

async function deciding(verdicts: Verdict[]) {
  const engram = createTestEngram({ model: answering(() => ({ facts: verdicts })) });
  const agent = await engram.agents.create({ name: "assistant" });
  return { engram, agent };
}

async function whereAdaLives(engram: ReturnType<typeof createTestEngram>, agentId: string, validAt?: string) {
  const { results } = await engram.search(agentId, {
    query: "where does Ada live",
    userId: "ada",
    ...(validAt === undefined ? {} : { validAt }),
  });
  return results.map((r) => r.text);
}

describe("memory that stays true", () => {
  it("a fact stated late about an earlier time (a backfill) is closed by the later value, not the reverse", async () => {
    // Lisbon was learned first; Berlin, from an older conversation, is written after it. The model
    // rightly calls them two values of one thing (UPDATE): the later one (Lisbon) stays true.
    for (const order of ["existing", "one batch"] as const) {
      const { engram, agent } = await deciding([{ fact: 1, event: "UPDATE", target: 1 }]);
      let lisbon: Memory;
      let berlin: Memory;
      if (order === "existing") {
        lisbon = await engram.memories.add(agent.id, {
          text: "Ada lives in Lisbon.",
          userId: "ada",
          validFrom: "2025-06-10",
        });
        berlin = await engram.memories.add(agent.id, {
          text: "Ada lives in Berlin.",
          userId: "ada",
          validFrom: "2025-01-10",
        });
      } else {
        [lisbon, berlin] = (
          await engram.memories.addMany(agent.id, [
            { text: "Ada lives in Lisbon.", userId: "ada", validFrom: "2025-06-10" },
            { text: "Ada lives in Berlin.", userId: "ada", validFrom: "2025-01-10" },
          ])
        ).value as [Memory, Memory];
      }
      const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
      assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
      const closed = await engram.memories.get(agent.id, berlin.id);
      assert.equal(closed.validTo, lisbon.validFrom, `${order}: Berlin ends where Lisbon begins`);
      assert.equal(mark(closed).supersededBy, lisbon.id);
      const open = await engram.memories.get(agent.id, lisbon.id);
      assert.equal(open.validTo, null, `${order}: Lisbon is still true`);
      assert.deepEqual(mark(open).supersedes, [berlin.id]);
      assert.deepEqual(await whereAdaLives(engram, agent.id), ["Ada lives in Lisbon."], order);
      assert.deepEqual(await whereAdaLives(engram, agent.id, "2025-03-01"), ["Ada lives in Berlin."], order);
      const context = await engram.runtime.context(agent.id, { query: "Where do I live?", userId: "ada" });
      assert.deepEqual(
        context.sections.memories.items.map((m) => m.text),
        ["Ada lives in Lisbon."],
        `${order}: the compiled context holds Lisbon alone`,
      );
    }
  });

  it("a restatement and a change in one batch: the change closes the fact the restatement was merged into", async () => {
    // "Yes, I live in Berlin … actually I just moved to Lisbon": the restatement is a duplicate of the
    // Berlin fact held, and Lisbon replaces Berlin, whichever of the two Berlin facts the model names
    // and in whichever order it answers.
    for (const verdicts of [
      [
        { fact: 1, event: "NOOP", target: 1 },
        { fact: 2, event: "UPDATE", target: 2 },
      ],
      [
        { fact: 2, event: "UPDATE", target: 2 },
        { fact: 1, event: "NOOP", target: 1 },
      ],
    ]) {
      const { engram, agent } = await deciding(verdicts);
      const held = await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", userId: "ada" });
      await engram.sleeptime.runPending({ agentId: agent.id });
      const [again, lisbon] = (
        await engram.memories.addMany(agent.id, [
          { text: "Ada lives in Berlin, yes.", userId: "ada" },
          { text: "Ada lives in Lisbon now.", userId: "ada" },
        ])
      ).value as [Memory, Memory];
      const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
      assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
      const label = JSON.stringify(verdicts);
      assert.equal(mark(await engram.memories.get(agent.id, again.id)).mergedInto, held.id, label);
      const berlin = await engram.memories.get(agent.id, held.id);
      assert.equal(berlin.validTo, lisbon.validFrom, `${label}: the Berlin fact held is closed`);
      assert.equal(mark(berlin).supersededBy, lisbon.id);
      assert.deepEqual(await whereAdaLives(engram, agent.id), ["Ada lives in Lisbon now."], label);
    }
  });

  it("a fact the model finds replacing a keyed fact takes its key over: the next keyed write closes it", async () => {
    // The agent gave the key once ("Berlin", user.city) and not the next time ("Lisbon"): the model
    // decides Lisbon replaces Berlin. A later keyed write (Porto) must close Lisbon, not leave it true.
    const { engram, agent } = await deciding([{ fact: 1, event: "UPDATE", target: 1 }]);
    await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", userId: "ada", key: "user.city" });
    const lisbon = await engram.memories.add(agent.id, { text: "Ada lives in Lisbon.", userId: "ada" });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal((await engram.memories.get(agent.id, lisbon.id)).key, "user.city");
    const porto = await engram.memories.add(agent.id, {
      text: "Ada lives in Porto.",
      userId: "ada",
      key: "user.city",
    });
    const closed = await engram.memories.get(agent.id, lisbon.id);
    assert.equal(closed.validTo, porto.validFrom, "Lisbon ends where Porto begins");
    assert.equal(mark(closed).supersededBy, porto.id);
    assert.deepEqual(await whereAdaLives(engram, agent.id), ["Ada lives in Porto."]);

    // DELETE says the old fact ended, not what replaced it: the key is not handed on.
    const ended = await deciding([{ fact: 1, event: "DELETE", target: 1 }]);
    await ended.engram.memories.add(ended.agent.id, {
      text: "Ada lives in Berlin.",
      userId: "ada",
      key: "user.city",
    });
    const away = await ended.engram.memories.add(ended.agent.id, {
      text: "Ada no longer lives in Berlin.",
      userId: "ada",
    });
    await ended.engram.sleeptime.runPending({ agentId: ended.agent.id });
    assert.equal((await ended.engram.memories.get(ended.agent.id, away.id)).key, null);
  });

  it("the entity graph follows what the decision closes and archives, and what forgetting archives", async () => {
    const { engram, agent } = await deciding([{ fact: 1, event: "UPDATE", target: 1 }]);
    await engram.memories.add(agent.id, {
      text: "Ada lives in Berlin.",
      userId: "ada",
      validFrom: "2025-01-10",
    });
    const lisbon = await engram.memories.add(agent.id, {
      text: "Ada lives in Lisbon.",
      userId: "ada",
      validFrom: "2025-06-10",
    });
    await engram.sleeptime.runPending({ agentId: agent.id });
    const berlin = await engram.entities.get(agent.id, "Berlin", { userId: "ada" });
    assert.deepEqual(
      berlin.relations.map((r) => [r.source, r.target, r.validTo]),
      [["ada", "berlin", lisbon.validFrom]],
      "Ada co_occurs Berlin closes with the fact that stated it, as a keyed write closes it",
    );

    // A duplicate the model found (NOOP) is archived: what only it named leaves the graph.
    const dup = await deciding([{ fact: 1, event: "NOOP", target: 1 }]);
    await dup.engram.memories.add(dup.agent.id, { text: "Ada likes green tea.", userId: "ada" });
    await dup.engram.memories.add(dup.agent.id, { text: "Ada likes green tea, says Bea.", userId: "ada" });
    const [job] = await dup.engram.sleeptime.runPending({ agentId: dup.agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    await assert.rejects(dup.engram.entities.get(dup.agent.id, "Bea", { userId: "ada" }), /not found/);

    // Forgetting archives a faded memory: it leaves the graph too.
    let time = Date.UTC(2026, 0, 1);
    const forgetting = createTestEngram({ now: () => time++ });
    const forgetful = await forgetting.agents.create({ name: "f" });
    await forgetting.memories.add(forgetful.id, { text: "Ada met Bea in Vienna.", importance: 0 });
    time += 200 * 86_400_000;
    const [forget] = (await forgetting.sleeptime.run(forgetful.id, { jobs: ["forget"] })).jobs;
    assert.match(forget?.result?.summary as string, /archived 1/);
    await assert.rejects(forgetting.entities.get(forgetful.id, "Vienna"), /not found/);
  });

  it("a decision whose model never answers fails within the job's lease, so the runner goes on", async () => {
    const engram = createTestEngram({
      model: scriptedModel([{ hang: true }]),
      sleeptime: { queue: { leaseMs: 1000, maxAttempts: 1 } },
    });
    const agent = await engram.agents.create({ name: "assistant" });
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", userId: "ada" });
    await engram.memories.add(agent.id, { text: "Ada lives in Lisbon.", userId: "ada" });
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<"stuck">((resolve) => {
      timer = setTimeout(() => resolve("stuck"), 10_000);
    });
    const outcome = await Promise.race([engram.sleeptime.runPending({ agentId: agent.id }), stuck]);
    clearTimeout(timer);
    assert.notEqual(outcome, "stuck", "the runner was held up by a model that never answered");
    const [job] = outcome as Awaited<ReturnType<typeof engram.sleeptime.runPending>>;
    assert.equal(job?.status, "failed");
    assert.match(
      job?.error?.message ?? "",
      /did not answer within 1000 ms \(the job's lease, queue\.leaseMs\)/,
    );
    assert.equal((await engram.memories.get(agent.id, berlin.id)).version, 1, "nothing changed");
  });
});
