import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { refuses, type TestApp, testApp } from "./test-support.ts";

/** A listener standing in for a model server at an address a tenant names: it counts what reaches it. */
let listener: Server;
let reached = 0;
let baseUrl: string;
before(async () => {
  listener = createServer((_req, res) => {
    reached++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/v1`;
});
after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

async function tenantApp(allowModels?: string[]) {
  const engram = createTestEngram({
    env: {
      ENGRAM_MODEL: "openai-compatible:house",
      OPENAI_COMPATIBLE_BASE_URL: baseUrl,
      OLLAMA_BASE_URL: baseUrl,
    },
  });
  const t = testApp({ engram, auth: true, ...(allowModels === undefined ? {} : { allowModels }) });
  const key = await engram.keys.create({ project: "acme", name: "k" }, { createProject: true });
  return { t, auth: { authorization: `Bearer ${key.key}` }, projectId: key.project.id };
}

const forbidden = (t: TestApp, agentId: string, request: () => Promise<never>, model: string) =>
  refuses(t, agentId, request, {
    status: 403,
    code: "forbidden",
    message: new RegExp(`model "${model}" is not allowed on this server .*engram serve --allow-model`),
  });

describe("models a tenant may name (with auth)", () => {
  it("refuses an agent given a model beyond the server's own and the allowed ones, and creates nothing", async () => {
    const { t, auth } = await tenantApp(["anthropic:claude-sonnet-4-5"]);
    const refused = await t.post("/v1/agents", { name: "a", model: "ollama:anything" }, auth);
    assert.equal(refused.status, 403);
    assert.match(
      refused.body.error.message,
      /^model: model "ollama:anything" is not allowed on this server \(allowed: openai-compatible:house, anthropic:claude-sonnet-4-5\)/,
    );
    assert.equal((await t.get("/v1/agents", auth)).body.items.length, 0);
    for (const model of ["anthropic:claude-sonnet-4-5", "openai-compatible:house", null]) {
      const ok = await t.post("/v1/agents", { name: `ok-${String(model)}`, model }, auth);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    }
  });

  it("refuses the change of an agent's model, and an import carrying one, naming the model", async () => {
    const { t, auth } = await tenantApp();
    const agent = (await t.post("/v1/agents", { name: "a" }, auth)).body;
    await forbidden(
      t,
      agent.id,
      () => t.patch(`/v1/agents/${agent.id}`, { model: "ollama:qwen3:8b" }, auth) as Promise<never>,
      "ollama:qwen3:8b",
    );
    const document = (await t.get(`/v1/agents/${agent.id}/export`, auth)).body;
    document.agent.model = "openai:gpt-4o";
    const imported = await t.post("/v1/import?newIds=true", document, auth);
    assert.equal(imported.status, 403);
    assert.match(imported.body.error.message, /model "openai:gpt-4o" is not allowed/);
    assert.equal((await t.get("/v1/agents", auth)).body.items.length, 1);
  });

  it("runs no turn of an agent whose model the operator set beyond the list: nothing leaves the machine", async () => {
    const { t, auth, projectId } = await tenantApp();
    // The operator's own engine is not restricted: it gave the agent a model keys may not use.
    const agent = await t.engram.forProject(projectId).agents.create({ name: "a" });
    await t.engram.agents.update(agent.id, { model: "ollama:elsewhere" });
    reached = 0;
    await forbidden(
      t,
      agent.id,
      () => t.post(`/v1/agents/${agent.id}/messages`, { content: "hi" }, auth) as Promise<never>,
      "ollama:elsewhere",
    );
    const chat = await t.post(
      "/v1/chat/completions",
      { model: "a", messages: [{ role: "user", content: "hi" }] },
      auth,
    );
    assert.equal(chat.status, 403);
    assert.equal(reached, 0, "no request reached the model server");
  });

  it("leaves a server without auth, and the operator's own engine, free to use any model", async () => {
    const open = testApp({ engram: createTestEngram() });
    assert.equal((await open.post("/v1/agents", { name: "a", model: "ollama:anything" })).status, 201);
    const { t } = await tenantApp();
    assert.equal(
      (await t.engram.agents.create({ name: "b", model: "ollama:anything" })).model,
      "ollama:anything",
    );
  });
});
