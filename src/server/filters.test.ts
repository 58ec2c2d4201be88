import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refuses, testApp } from "./test-support.ts";

describe("metadata filters over HTTP", () => {
  it("filter a memory list (?filter= JSON) and a search (body), and refuse a bad filter naming it", async () => {
    const t = testApp();
    const agent = await t.agent();
    const add = (text: string, metadata: Record<string, unknown>) =>
      t.post(`/v1/agents/${agent.id}/memories`, { text, metadata });
    await add("invoice for march", { topic: "billing", n: 2 });
    await add("invoice for april", { topic: "billing", n: "2" });
    await add("parcel for may", { topic: "shipping" });
    const filter = encodeURIComponent(JSON.stringify({ "metadata.n": 2 }));
    const listed = await t.get(`/v1/agents/${agent.id}/memories?filter=${filter}`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.items.map((m: { text: string }) => m.text),
      ["invoice for march"],
    );
    const found = await t.post(`/v1/agents/${agent.id}/memories/search`, {
      query: "invoice",
      filter: { "metadata.n": { eq: "2" } },
    });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(
      found.body.results.map((r: { text: string }) => r.text),
      ["invoice for april"],
    );
    await refuses(t, agent.id, () => t.get(`/v1/agents/${agent.id}/memories?filter=%7Bnope`), {
      status: 400,
      code: "invalid_input",
      message: /filter: must be a JSON object/,
    });
    await refuses(
      t,
      agent.id,
      () => t.post(`/v1/agents/${agent.id}/search`, { query: "x", filter: { "metadata.n": { near: 2 } } }),
      { status: 400, code: "invalid_input", message: /filter\.metadata\.n\.near: unknown operator/ },
    );
  });
});
