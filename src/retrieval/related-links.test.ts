import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { markOf } from "../memory/memories/memory-mark.ts";
import { scriptedModel } from "../sleeptime/test-support.ts";
import { createTestEngram } from "../test/index.ts";

/** An agent whose consolidation (a scripted model) links every pair it is shown as related. */
async function linkedMemories() {
  const model = scriptedModel((prompt) => ({
    pairs: [...prompt.matchAll(/Pair (\d+):/g)].map((m) => ({ pair: Number(m[1]), relation: "related" })),
  }));
  const engram = createTestEngram({ model });
  const agent = await engram.agents.create({ name: "a" });
  const pottery = await engram.memories.add(agent.id, {
    text: "Melanie went to a pottery class with her kids on Saturday.",
  });
  const painting = await engram.memories.add(agent.id, {
    text: "Melanie went to a painting class with her kids on Sunday.",
  });
  const books = await engram.memories.add(agent.id, { text: "Caroline reads books about history." });
  const { jobs } = await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
  assert.equal(jobs[0]?.status, "succeeded", JSON.stringify(jobs[0]?.error));
  return { engram, agent, pottery, painting, books };
}

describe("related links in search", () => {
  it("brings in the memories consolidation linked to the best results, explained in their score parts", async () => {
    const { engram, agent, pottery, painting, books } = await linkedMemories();
    assert.ok((markOf(await engram.memories.get(agent.id, pottery.id)).related ?? []).includes(painting.id));
    const { results } = await engram.search(agent.id, { query: "pottery", recordAccess: false });
    assert.deepEqual(
      results.map((r) => r.id),
      [pottery.id, painting.id],
    );
    const [found, linked] = results;
    assert.deepEqual([found?.components.related, found?.components.relatedTo], [0, []]);
    assert.equal(linked?.components.lexicalRank, null, "no ranking found it");
    assert.equal(linked?.components.related, 1, "linked to the best result");
    assert.deepEqual(linked?.components.relatedTo, [pottery.id]);
    assert.ok(!results.some((r) => r.id === books.id));
    // Without the weight, the rankings' results alone.
    const off = await engram.search(agent.id, {
      query: "pottery",
      weights: { related: 0 },
      recordAccess: false,
    });
    assert.deepEqual(
      off.results.map((r) => r.id),
      [pottery.id],
    );
  });

  it("holds what it brings in to the search's filters: validity, kinds, users", async () => {
    const { engram, agent, pottery, painting } = await linkedMemories();
    const ids = async (extra: Record<string, unknown>) =>
      (await engram.search(agent.id, { query: "pottery", recordAccess: false, ...extra })).results.map(
        (r) => r.id,
      );
    assert.deepEqual(await ids({ kinds: ["note"] }), []);
    assert.deepEqual(await ids({ userId: "someone", includeShared: false }), []);
    const ended = new Date(Date.parse(painting.validFrom ?? "") + 1).toISOString();
    await engram.memories.update(agent.id, painting.id, { validTo: ended });
    assert.deepEqual(await ids({}), [pottery.id], "a linked fact no longer true stays out");
    assert.deepEqual((await ids({ includeSuperseded: true })).sort(), [painting.id, pottery.id].sort());
  });
});
