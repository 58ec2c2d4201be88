import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { testApp } from "./test-support.ts";

describe("event kinds over HTTP", () => {
  const t = testApp({ engram: createTestEngram() });
  after(() => t.engram.close());

  it("GET /v1/agents/{id}/events?kind=memory.* lists the family, as the stream does", async () => {
    const agent = await t.agent();
    const memory = await t.post(`/v1/agents/${agent.id}/memories`, { text: "Ada likes tea" });
    assert.equal(memory.status, 201);
    const family = await t.get(`/v1/agents/${agent.id}/events?kind=memory.*`);
    assert.equal(family.status, 200);
    assert.deepEqual(
      family.body.items.map((e: { kind: string; targetId: string }) => [e.kind, e.targetId]),
      [["memory.created", memory.body.memory.id]],
    );
    const everything = await t.get(`/v1/events?agent=${agent.id}&kind=*`);
    assert.ok(everything.body.items.length > 1);
  });

  it("refuses a kind that is none with a 400 naming the field and the kinds it may mean", async () => {
    const agent = await t.agent({ name: "other" });
    for (const path of [`/v1/agents/${agent.id}/events?kind=nosuch.kind`, "/v1/events?kind=nosuch.kind"]) {
      const refused = await t.get(path);
      assert.equal(refused.status, 400, path);
      assert.equal(refused.body.error.code, "invalid_input");
      assert.match(
        refused.body.error.message,
        /^invalid event list: kind: "nosuch.kind" is not an event kind/,
      );
      assert.match(refused.body.error.message, /memory\.\*/);
    }
  });

  it("POST /v1/webhooks refuses an event that is no kind, creating nothing", async () => {
    const before = await t.get("/v1/events?order=desc&limit=1");
    const refused = await t.post("/v1/webhooks", { url: "https://hooks.example.com/x", events: ["bogus"] });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /^invalid webhook: events: 0: "bogus" is not an event kind/);
    assert.deepEqual((await t.get("/v1/webhooks")).body.items, []);
    assert.deepEqual((await t.get("/v1/events?order=desc&limit=1")).body, before.body);
  });
});
