import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import { testApp } from "./test-support.ts";

describe("POST /v1/agents/{id}/reindex", () => {
  it("embeds what has no vector, a limited number at a time, until complete", async () => {
    const inner = createHashEmbedder(16);
    let down = true;
    const embedder = {
      id: inner.id,
      embed: async (texts: readonly string[]) => {
        if (down) throw new Error("connection refused");
        return inner.embed(texts);
      },
    };
    const t = testApp({ engram: createEngram({ path: ":memory:", embedder, env: {} }) });
    const agent = await t.agent();
    const added = await t.post(`/v1/agents/${agent.id}/memories`, {
      memories: [{ text: "first" }, { text: "second" }, { text: "third" }],
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.match(added.body.warnings[0], /connection refused/);
    down = false;

    const first = await t.post(`/v1/agents/${agent.id}/reindex`, { limit: 2 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.complete, false);
    assert.deepEqual(first.body.embedded, { memories: 2, messages: 0 });
    const rest = await t.post(`/v1/agents/${agent.id}/reindex`, { limit: 2, train: true });
    assert.equal(rest.body.complete, true);
    assert.deepEqual(rest.body.embedded, { memories: 1, messages: 0 });
    assert.equal(rest.body.agents[0].agentId, agent.id);
    const again = await t.post(`/v1/agents/${agent.id}/reindex`);
    assert.deepEqual([again.body.complete, again.body.embedded], [true, { memories: 0, messages: 0 }]);

    const found = await t.post(`/v1/agents/${agent.id}/search`, { query: "third", weights: { lexical: 0 } });
    assert.equal(found.body.results[0].text, "third");
    assert.equal(found.body.results[0].components.vectorRank, 1);
  });

  it("refuses bad input and a database without an embedding model, naming the problem", async () => {
    const t = testApp();
    const agent = await t.agent();
    const bad = await t.post(`/v1/agents/${agent.id}/reindex`, { limit: 0 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /limit/);
    const unknown = await t.post(`/v1/agents/${agent.id}/reindex`, { rebuild: true });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /rebuild/);
    const none = await t.post(`/v1/agents/${agent.id}/reindex`, {});
    assert.equal(none.status, 400);
    assert.match(none.body.error.message, /no embedding model is configured/);
    assert.equal((await t.post("/v1/agents/nobody/reindex", {})).status, 404);
  });
});
