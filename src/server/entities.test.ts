import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testApp } from "./test-support.ts";

async function withGraph() {
  const t = testApp();
  const agent = await t.agent();
  for (const text of ["Ada's sister is Bea.", "Bea lives in Lisbon.", "Cleo moved to Porto."])
    assert.equal((await t.post(`/v1/agents/${agent.id}/memories`, { text })).status, 201);
  assert.equal(
    (await t.post(`/v1/agents/${agent.id}/memories`, { text: "Ada met Dan.", userId: "u1" })).status,
    201,
  );
  return { t, agent };
}

describe("entities API", () => {
  it("GET /entities pages the agent's entities by key, and a user's graph apart", async () => {
    const { t, agent } = await withGraph();
    const first = await t.get(`/v1/agents/${agent.id}/entities?limit=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.items.map((e: { key: string }) => e.key),
      ["ada", "bea"],
    );
    assert.equal(first.body.items[0].type, "person");
    assert.equal(first.body.items[0].mentions, 1);
    const rest = await t.get(`/v1/agents/${agent.id}/entities?limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual(
      rest.body.items.map((e: { key: string }) => e.key),
      ["cleo", "lisbon"],
    );
    const user = await t.get(`/v1/agents/${agent.id}/entities?userId=u1`);
    assert.deepEqual(
      user.body.items.map((e: { key: string; userId: string }) => [e.key, e.userId]),
      [
        ["ada", "u1"],
        ["dan", "u1"],
      ],
    );
    assert.equal(user.body.nextCursor, null);
    // order=mentions: the most named first (Bea, in two memories), its cursor paging on in that order.
    const named = await t.get(`/v1/agents/${agent.id}/entities?order=mentions&limit=2`);
    assert.deepEqual(
      named.body.items.map((e: { key: string; mentions: number }) => [e.key, e.mentions]),
      [
        ["bea", 2],
        ["ada", 1],
      ],
    );
    assert.equal(named.body.nextCursor, "1:ada");
    const after = await t.get(
      `/v1/agents/${agent.id}/entities?order=mentions&cursor=${encodeURIComponent(named.body.nextCursor)}`,
    );
    assert.deepEqual(
      after.body.items.map((e: { key: string }) => e.key),
      ["cleo", "lisbon", "porto"],
    );
    const sideways = await t.get(`/v1/agents/${agent.id}/entities?order=sideways`);
    assert.equal(sideways.status, 400);
    assert.match(sideways.body.error.message, /order/);
  });

  it("GET /entities/{name} gives the entity with its relations and mentions; unknown names are 404 naming them", async () => {
    const { t, agent } = await withGraph();
    const bea = await t.get(`/v1/agents/${agent.id}/entities/${encodeURIComponent("Bea")}`);
    assert.equal(bea.status, 200);
    assert.equal(bea.body.entity.name, "Bea");
    assert.equal(bea.body.entity.mentions, 2);
    assert.deepEqual(
      bea.body.relations.map((r: { source: string; target: string; validTo: null }) => [
        r.source,
        r.target,
        r.validTo,
      ]),
      [
        ["ada", "bea", null],
        ["bea", "lisbon", null],
      ],
    );
    assert.equal(bea.body.mentions.length, 2);
    assert.deepEqual(bea.body.names, { ada: "Ada", lisbon: "Lisbon" });
    const missing = await t.get(`/v1/agents/${agent.id}/entities/${encodeURIComponent("Zed Zulu")}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "not_found");
    assert.match(missing.body.error.message, /entity "Zed Zulu" not found/);
    const other = await t.get(`/v1/agents/${agent.id}/entities/dan`);
    assert.equal(other.status, 404, "another user's entity is not the agent's own");
    assert.equal((await t.get(`/v1/agents/${agent.id}/entities/dan?userId=u1`)).status, 200);
  });

  it("refuses bad paging and unknown parameters with 400 naming them; an unknown agent is 404", async () => {
    const { t, agent } = await withGraph();
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["limit=501", "limit"],
      ["page=2", "page"],
    ] as const) {
      const reply = await t.get(`/v1/agents/${agent.id}/entities?${query}`);
      assert.equal(reply.status, 400, query);
      assert.match(reply.body.error.message, new RegExp(field), query);
    }
    assert.equal((await t.get(`/v1/agents/${agent.id}/entities/ada?limit=2`)).status, 400);
    assert.equal((await t.get("/v1/agents/agt_missing/entities")).status, 404);
  });

  it("search results carry the graph's score parts, and graph: false turns it off", async () => {
    const { t, agent } = await withGraph();
    const query = "Where does Ada's sister live?";
    const on = await t.post(`/v1/agents/${agent.id}/search`, { query, recordAccess: false });
    assert.equal(on.status, 200);
    const lisbon = on.body.results.find((r: { text: string }) => r.text === "Bea lives in Lisbon.");
    assert.ok(lisbon.components.graph > 0);
    assert.deepEqual(lisbon.components.graphEntities, ["bea"]);
    const off = await t.post(`/v1/agents/${agent.id}/search`, { query, graph: false, recordAccess: false });
    assert.ok(off.body.results.every((r: { components: { graph: number } }) => r.components.graph === 0));
    const bad = await t.post(`/v1/agents/${agent.id}/search`, { query, graph: "yes" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /graph/);
  });
});
