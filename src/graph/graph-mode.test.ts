import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refuses, testApp } from "../server/test-support.ts";
import { createTestEngram } from "../test/index.ts";

const query = "Where does Ada's sister live?";
const texts = ["Ada's sister is Bea.", "Cleo lives in Berlin.", "Dan lives in Rome.", "Bea lives in Lisbon."];

describe("per-agent graph mode (metadata.graph)", () => {
  it("off: writes record nothing; searches follow no graph unless they ask to", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    for (const text of texts) await engram.memories.add(agent.id, { text });
    const lisbon = async (graph?: boolean) =>
      (
        await engram.search(agent.id, {
          query,
          recordAccess: false,
          ...(graph === undefined ? {} : { graph }),
        })
      ).results.find((r) => r.text === "Bea lives in Lisbon.")?.components.graph ?? 0;
    assert.ok((await lisbon()) > 0, "rules (the default) follows the graph");

    await engram.agents.update(agent.id, { metadata: { graph: "off" } });
    assert.equal(await lisbon(), 0, "off: no expansion by default");
    assert.ok((await lisbon(true)) > 0, "the search's own switch overrides the agent's");
    const before = await engram.entities.list(agent.id, { limit: 100 });
    await engram.memories.add(agent.id, { text: "Eve visited Oslo." });
    await engram.messages.append(agent.id, { role: "user", content: "Frank met Gina in Paris." });
    assert.deepEqual(await engram.entities.list(agent.id, { limit: 100 }), before, "nothing recorded");

    await engram.agents.update(agent.id, { metadata: { graph: "rules" } });
    assert.equal(await lisbon(false), 0, "rules: a search may still turn it off");
    await engram.memories.add(agent.id, { text: "Hugo works in Madrid." });
    const names = (await engram.entities.list(agent.id, { limit: 100 })).items.map((e) => e.name);
    assert.ok(names.includes("Hugo") && !names.includes("Eve"));
  });

  it("over HTTP: a bad graph mode or decideOnWrite is refused naming the field, and changes nothing", async () => {
    const t = testApp();
    const agent = await t.agent({ name: "helper", metadata: { graph: "off" } });
    await refuses(t, agent.id, () => t.patch(`/v1/agents/${agent.id}`, { metadata: { graph: "always" } }), {
      status: 400,
      code: "invalid_input",
      message: /metadata\.graph: must be one of off, rules, model/,
    });
    await refuses(
      t,
      agent.id,
      () => t.patch(`/v1/agents/${agent.id}`, { metadata: { sleeptime: { decideOnWrite: "no" } } }),
      {
        status: 400,
        code: "invalid_input",
        message: /metadata\.sleeptime\.decideOnWrite: must be true or false/,
      },
    );
    assert.deepEqual((await t.get(`/v1/agents/${agent.id}`)).body.metadata, { graph: "off" });
    const created = await t.post("/v1/agents", { name: "other", metadata: { graph: 1 } });
    assert.equal(created.status, 400);
    assert.match(created.body.error.message, /metadata\.graph/);
    assert.equal((await t.get("/v1/agents/other")).status, 404);
    const model = await t.patch(`/v1/agents/${agent.id}`, { metadata: { graph: "model" } });
    assert.equal(model.status, 200);
    assert.equal(model.body.metadata.graph, "model");
  });
});
