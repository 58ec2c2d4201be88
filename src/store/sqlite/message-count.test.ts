import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createEngram, type Engram } from "../../engram.ts";
import { withTwoEngines } from "./two-engines-test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-message-count-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const append = (engram: Engram, agentId: string, n: number) =>
  engram.messages.appendMany(
    agentId,
    Array.from({ length: n }, (_, i) => ({ role: "user" as const, content: `turn ${i}` })),
  );

describe("an agent's message count for ranking, on SQLite", () => {
  it("is counted again once a tenth of it has been appended since", async () => {
    const engram = createEngram({ path: ":memory:", embedder: null, env: {} });
    try {
      const agent = await engram.agents.create({ name: "a" });
      await append(engram, agent.id, 100);
      assert.equal(await engram.store.messages.countForRanking(agent.id), 100);
      await append(engram, agent.id, 10);
      assert.equal(await engram.store.messages.countForRanking(agent.id), 100, "10 of 100: not yet");
      await append(engram, agent.id, 1);
      assert.equal(await engram.store.messages.countForRanking(agent.id), 111);
      assert.equal(await engram.store.messages.count(agent.id), 111);
    } finally {
      await engram.close();
    }
  });

  it("sees what another process appended to the same file", async () => {
    await withTwoEngines(join(dir, "two.db"), async (one, two) => {
      const agent = await one.agents.create({ name: "a" });
      await append(one, agent.id, 100);
      assert.equal(await one.store.messages.countForRanking(agent.id), 100);
      await append(two, agent.id, 11);
      assert.equal(await one.store.messages.countForRanking(agent.id), 111);
    });
  });
});
