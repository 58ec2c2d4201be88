import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { call, failure, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

describe("entity_lookup", () => {
  it("reads an entity of a user's graph by name: relations over time, and what named it", async () => {
    const agent = await t.engram.agents.create({ name: "keeper" });
    const client = await t.connect("keeper");
    const acme = await call(client, "memory_insert", {
      text: "Ada works at Acme",
      key: "user.employer",
      userId: "ada",
      validFrom: "2024-01-01T00:00:00Z",
    });
    const globex = await call(client, "memory_insert", {
      text: "Ada works at Globex",
      key: "user.employer",
      userId: "ada",
      validFrom: "2025-06-01T00:00:00Z",
    });
    const said = await call(client, "message_append", {
      role: "user",
      name: "Ada",
      content: "Globex sends me to Lisbon next week.",
      userId: "ada",
    });

    const ada = await call(client, "entity_lookup", { name: "ADA", userId: "ada" });
    assert.deepEqual(
      {
        name: ada.entity.name,
        type: ada.entity.type,
        userId: ada.entity.userId,
        mentions: ada.entity.mentions,
      },
      { name: "Ada", type: "person", userId: "ada", mentions: 3 },
    );
    const brief = (r: { subject: string; relation: string; object: string; validTo: string | null }) =>
      `${r.subject} ${r.relation} ${r.object} until ${r.validTo ?? "now"}`;
    assert.deepEqual(ada.relations.map(brief).sort(), [
      "Ada mentions Globex until now",
      "Ada mentions Lisbon until now",
      "Ada named with Acme until 2025-06-01T00:00:00.000Z",
      "Ada named with Globex until now",
    ]);
    assert.equal(ada.relationsShown, "4 of 4");
    assert.deepEqual(
      ada.mentions.map((m: { id: string; text: string }) => [m.id, m.text]).sort(),
      [
        [acme.memory.id, "Ada works at Acme"],
        [globex.memory.id, "Ada works at Globex"],
        [said.message.id, "Globex sends me to Lisbon next week."],
      ].sort(),
    );
    const globexEntity = await call(client, "entity_lookup", { name: "globex", userId: "ada" });
    assert.equal(globexEntity.entity.type, "organisation");
    const one = await call(client, "entity_lookup", { name: "Ada", userId: "ada", limit: 1 });
    assert.equal(one.relations.length, 1);
    assert.equal(one.relationsShown, "1 of 4");

    // Another user's graph, and the agent's own, do not hold Ada; bad arguments change nothing.
    assert.match(
      await failure(client, "entity_lookup", { name: "Ada", userId: "bea" }),
      /entity "Ada" not found .* for user bea/,
    );
    assert.match(await failure(client, "entity_lookup", { name: "Ada" }), /own graph .*userId/);
    assert.match(await failure(client, "entity_lookup", { name: "Ada", limit: 0 }), /limit/);
    assert.match(await failure(client, "entity_lookup", { name: "" }), /name/);
    assert.equal((await t.engram.entities.list(agent.id, { userId: "ada" })).items.length, 4);
  });
});
