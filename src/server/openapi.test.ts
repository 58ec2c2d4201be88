import assert from "node:assert/strict";
import { test } from "node:test";
import { testApp } from "./test-support.ts";

test("/openapi.json is an OpenAPI 3.1 document of every route", async () => {
  const t = testApp();
  const reply = await t.get("/openapi.json");
  assert.equal(reply.status, 200);
  const doc = reply.body;
  assert.equal(doc.openapi, "3.1.0");
  assert.equal(doc.info.title, "engram");
  assert.match(doc.info.version, /^\d+\.\d+\.\d+/);

  const expected: Record<string, string[]> = {
    "/health": ["get"],
    "/v1/projects": ["get", "post"],
    "/v1/projects/{project}": ["get", "patch", "delete"],
    "/v1/agents": ["get", "post"],
    "/v1/agents/{id}": ["get", "patch", "delete"],
    "/v1/agents/{id}/fork": ["post"],
    "/v1/agents/{id}/blocks": ["get", "post"],
    "/v1/agents/{id}/blocks/{label}": ["get", "put", "delete"],
    "/v1/agents/{id}/commits": ["get", "post"],
    "/v1/agents/{id}/commits/{rev}": ["get"],
    "/v1/agents/{id}/diff": ["get"],
    "/v1/agents/{id}/revert": ["post"],
    "/v1/agents/{id}/branches": ["get", "post"],
    "/v1/agents/{id}/branches/{name}": ["delete"],
    "/v1/agents/{id}/events": ["get"],
    "/v1/events": ["get"],
    "/v1/agents/{id}/export": ["get"],
    "/v1/import": ["post"],
  };
  assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(expected).sort());
  for (const [path, methods] of Object.entries(expected)) {
    assert.deepEqual(Object.keys(doc.paths[path]).sort(), [...methods].sort(), path);
  }

  const createAgent = doc.paths["/v1/agents"].post;
  const body = createAgent.requestBody.content["application/json"].schema;
  assert.deepEqual(body.required, ["name"]);
  assert.equal(body.properties.name.type, "string");
  assert.equal(
    createAgent.responses["201"].content["application/json"].schema.$ref,
    "#/components/schemas/Agent",
  );
  assert.equal(
    createAgent.responses["400"].content["application/json"].schema.$ref,
    "#/components/schemas/Error",
  );

  const listCommits = doc.paths["/v1/agents/{id}/commits"].get;
  const params = listCommits.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  assert.deepEqual(params.sort(), ["path:id", "query:branch", "query:cursor", "query:from", "query:limit"]);

  for (const name of ["Agent", "Block", "Commit", "CommitResult", "CommitDiff", "Error", "ExportDocument"]) {
    assert.equal(typeof doc.components.schemas[name], "object", name);
  }
});
