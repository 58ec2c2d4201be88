import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";

async function source() {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "a" });
  const sister = await engram.memories.add(agent.id, { text: "Ada's sister is Bea.", userId: "u1" });
  await engram.messages.append(agent.id, { role: "user", name: "Cleo", content: "Bea moved to Lisbon." });
  return { engram, agent, sister };
}

describe("export and import of the entity graph", () => {
  it("an export carries the graph; an import with new ids reproduces it, its sources following their items", async () => {
    const { engram, agent, sister } = await source();
    const doc = await engram.transfer.export(agent.id);
    assert.deepEqual(
      doc.graph?.entities.map((e) => [e.key, e.userId]),
      [
        ["bea", null],
        ["cleo", null],
        ["lisbon", null],
        ["ada", "u1"],
        ["bea", "u1"],
      ],
    );
    const target = createTestEngram();
    const copy = await target.transfer.import(JSON.parse(JSON.stringify(doc)), { newIds: true });
    const [memory] = (await target.memories.list(copy.id)).items;
    assert.notEqual(memory?.id, sister.id);
    const ada = await target.entities.get(copy.id, "Ada", { userId: "u1" });
    assert.deepEqual(ada.relations[0]?.provenance, [{ source: "memory", id: memory?.id }]);
    assert.deepEqual(
      ada.mentions.map((m) => m.id),
      [memory?.id],
    );
    const again = await target.transfer.export(copy.id);
    assert.equal(again.graph?.relations.length, doc.graph?.relations.length);
    assert.deepEqual(
      again.graph?.entities.map((e) => e.key),
      doc.graph?.entities.map((e) => e.key),
    );
  });

  it("a document without a graph gets one rebuilt from its memories and messages; a malformed graph is refused", async () => {
    const { engram, agent } = await source();
    const { graph, ...doc } = await engram.transfer.export(agent.id);
    const target = createTestEngram();
    await target.transfer.import(structuredClone(doc));
    assert.deepEqual(await target.entities.dump(agent.id), graph);
    const bad = { ...doc, graph: { ...graph, entities: [{ key: "x", name: "X", type: "planet" }] } };
    await assert.rejects(createTestEngram().transfer.import(bad), /graph\.entities\.0/);
  });
});
