import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GraphRecord } from "../core/graph-types.ts";
import { graphRecordsNow } from "../store/store.ts";
import { createTestEngram } from "../test/index.ts";

/** An engine whose store's graph writes fail in the unit of work (an entity with no name breaks a NOT NULL column). */
function failingGraph() {
  const engram = createTestEngram();
  const store = engram.store;
  const unitOfWork = store.unitOfWork.bind(store);
  const broken = (r: GraphRecord): GraphRecord => ({
    ...r,
    entities: [{ key: "x", name: null as unknown as string, type: "person" }],
  });
  let failing = true;
  store.unitOfWork = () => {
    const work = unitOfWork();
    const record = work.graph.record.bind(work.graph);
    work.graph.record = (agentId, records) =>
      record(agentId, failing ? graphRecordsNow(records).map(broken) : records);
    return work;
  };
  return { engram, heal: () => (failing = false) };
}

describe("graph writes are part of the memory or message write", () => {
  it("a graph write that fails leaves no memory, message or event behind; healed, both land", async () => {
    const { engram, heal } = failingGraph();
    const agent = await engram.agents.create({ name: "a" });
    const events = (await engram.events.list({ agentId: agent.id, limit: 100 })).items;
    await assert.rejects(engram.memories.add(agent.id, { text: "Ada lives in Berlin." }));
    await assert.rejects(engram.messages.append(agent.id, { role: "user", content: "Bea met Cleo." }));
    assert.deepEqual((await engram.memories.list(agent.id)).items, []);
    assert.deepEqual((await engram.messages.list(agent.id)).items, []);
    assert.deepEqual((await engram.events.list({ agentId: agent.id, limit: 100 })).items, events);

    heal();
    const memory = await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    const message = await engram.messages.append(agent.id, { role: "user", content: "Bea met Cleo." });
    assert.deepEqual(
      (await engram.entities.get(agent.id, "Berlin")).mentions.map((m) => m.id),
      [memory.id],
    );
    assert.deepEqual(
      (await engram.entities.get(agent.id, "Cleo")).mentions.map((m) => m.id),
      [message.id],
    );
  });
});
