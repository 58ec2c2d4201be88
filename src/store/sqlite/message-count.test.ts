import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../../engram.ts";

describe("an agent's message count for ranking, on SQLite", () => {
  it("is counted again once a tenth of it has been appended since", async () => {
    const engram = createEngram({ path: ":memory:", embedder: null, env: {} });
    try {
      const agent = await engram.agents.create({ name: "a" });
      const append = (n: number) =>
        engram.messages.appendMany(
          agent.id,
          Array.from({ length: n }, (_, i) => ({ role: "user" as const, content: `turn ${i}` })),
        );
      await append(100);
      assert.equal(await engram.store.messages.countForRanking(agent.id), 100);
      await append(10);
      assert.equal(await engram.store.messages.countForRanking(agent.id), 100, "10 of 100: not yet");
      await append(1);
      assert.equal(await engram.store.messages.countForRanking(agent.id), 111);
      assert.equal(await engram.store.messages.count(agent.id), 111);
    } finally {
      await engram.close();
    }
  });
});
