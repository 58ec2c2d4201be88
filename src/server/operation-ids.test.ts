import assert from "node:assert/strict";
import { test } from "node:test";
import { testApp } from "./test-support.ts";

/**
 * Operations with no library method of that name: `resource.verb` names for what only HTTP does in
 * one call, and the three searches, which are the library's `engram.search` with its sources set.
 */
const HTTP_ONLY = new Set([
  "system.health",
  "mcp.request",
  "blocks.create",
  "events.listByAgent",
  "search.all",
  "memories.search",
  "messages.search",
  "openai.chatCompletions",
  "openai.listModels",
  "openai.retrieveModel",
]);

test("every OpenAPI operation has a unique operationId named after the library method it matches", async () => {
  const t = testApp();
  const doc = (await t.get("/openapi.json")).body as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const ids: string[] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.operationId !== undefined, `${where} has no operationId`);
      assert.match(op.operationId, /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/, where);
      ids.push(op.operationId);
      if (HTTP_ONLY.has(op.operationId)) continue;
      const [namespace, name] = op.operationId.split(".") as [string, string];
      const service = (t.engram as unknown as Record<string, Record<string, unknown> | undefined>)[namespace];
      assert.equal(
        typeof service?.[name],
        "function",
        `${where}: engram.${op.operationId} is not a library method`,
      );
    }
  assert.ok(ids.length >= 60, `only ${ids.length} operations`);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    "operationIds are unique",
  );
  // HTTP-only names must not shadow a library method: then they should be named after it.
  for (const id of HTTP_ONLY) {
    const [namespace, name] = id.split(".") as [string, string];
    const service = (t.engram as unknown as Record<string, Record<string, unknown> | undefined>)[namespace];
    assert.notEqual(typeof service?.[name], "function", `${id} is a library method: drop it from HTTP_ONLY`);
  }

  const op = (path: string, method: string) => doc.paths[path]?.[method]?.operationId;
  assert.equal(op("/v1/agents", "post"), "agents.create");
  assert.equal(op("/v1/agents/{id}/blocks/{label}", "put"), "blocks.set");
  assert.equal(op("/v1/agents/{id}/memories/search", "post"), "memories.search");
  assert.equal(op("/v1/agents/{id}/messages", "post"), "runtime.send");
  assert.equal(op("/v1/agents/{id}/branches", "get"), "history.listBranches");
});
