import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testApp } from "./test-support.ts";

describe("a handler mounted beside the REST routes (as MCP is at /mcp)", () => {
  it("gets the request's project-scoped engine, the key, and a body it can read, behind the same checks", async () => {
    const t = testApp({ auth: true, rateLimit: { requestsPerSecond: 1, burst: 3 } });
    const red = await t.engram.keys.create({ project: "red" }, { createProject: true });
    await t.engram.keys.create({ project: "blue" }, { createProject: true });
    await t.engram.agents.create({ name: "blue-agent", project: "blue" });
    t.app.post("/mounted", async (c) => {
      const body = (await c.req.raw.json()) as { echo: string };
      const agents = await c.var.engram.agents.list();
      return c.json({ echo: body.echo, key: c.var.apiKey?.id, agents: agents.items.length });
    });
    const asRed = { authorization: `Bearer ${red.key}` };
    const reply = await t.post("/mounted", { echo: "hi" }, asRed);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body, { echo: "hi", key: red.apiKey.id, agents: 0 });
    assert.equal((await t.post("/mounted", { echo: "hi" })).status, 401);
    assert.equal((await t.send("POST", "/mounted", "not json", asRed)).status, 400);
    assert.equal((await t.post("/mounted", { echo: "x".repeat(2 * 1024 * 1024) }, asRed)).status, 413);
    assert.equal((await t.post("/mounted", { echo: "hi" }, asRed)).status, 429);
  });
});
