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
    "/v1/webhooks": ["get", "post"],
    "/v1/webhooks/{webhookId}": ["get", "patch", "delete"],
    "/v1/webhooks/{webhookId}/deliveries": ["get"],
    "/v1/keys": ["get", "post"],
    "/v1/keys/{keyId}": ["get", "delete"],
    "/v1/agents": ["get", "post"],
    "/v1/agents/{id}": ["get", "patch", "delete"],
    "/v1/agents/{id}/fork": ["post"],
    "/v1/agents/{id}/blocks": ["get", "post"],
    "/v1/agents/{id}/blocks/{label}": ["get", "put", "delete"],
    "/v1/agents/{id}/blocks/attach": ["post"],
    "/v1/agents/{id}/blocks/{label}/detach": ["post"],
    "/v1/blocks": ["get", "post"],
    "/v1/blocks/{blockId}": ["get", "delete"],
    "/v1/blocks/{blockId}/commits": ["get"],
    "/v1/agents/{id}/commits": ["get", "post"],
    "/v1/agents/{id}/commits/{rev}": ["get"],
    "/v1/agents/{id}/context": ["get"],
    "/v1/agents/{id}/diff": ["get"],
    "/v1/agents/{id}/reindex": ["post"],
    "/v1/agents/{id}/revert": ["post"],
    "/v1/agents/{id}/branches": ["get", "post"],
    "/v1/agents/{id}/branches/{name}": ["delete"],
    "/v1/agents/{id}/events": ["get"],
    "/v1/events": ["get"],
    "/v1/events/stream": ["get"],
    "/v1/agents/{id}/export": ["get"],
    "/v1/groups": ["get", "post"],
    "/v1/groups/{groupId}": ["delete", "get"],
    "/v1/groups/{groupId}/messages": ["post"],
    "/v1/import": ["post"],
    "/v1/agents/{id}/memories": ["get", "post"],
    "/v1/agents/{id}/memories/search": ["post"],
    "/v1/agents/{id}/memories/{mid}": ["get", "patch", "delete"],
    "/v1/agents/{id}/memories/{mid}/history": ["get"],
    "/v1/agents/{id}/messages": ["get", "post"],
    "/v1/agents/{id}/messages/search": ["post"],
    "/v1/agents/{id}/search": ["post"],
    "/v1/agents/{id}/episodes": ["get", "post"],
    "/v1/agents/{id}/episodes/{eid}": ["get"],
    "/v1/agents/{id}/episodes/{eid}/steps": ["post"],
    "/v1/agents/{id}/episodes/{eid}/finish": ["post"],
    "/v1/agents/{id}/experience": ["get"],
    "/v1/agents/{id}/advice": ["post"],
    "/v1/agents/{id}/turns/{turnId}/feedback": ["post"],
    "/v1/agents/{id}/images/{sha256}": ["get"],
    "/v1/agents/{id}/insights": ["get", "post"],
    "/v1/agents/{id}/insights/extract": ["post"],
    "/mcp": ["post"],
    "/v1/agents/{id}/evolve": ["post"],
    "/v1/agents/{id}/evolution-runs": ["get"],
    "/v1/agents/{id}/evolution-runs/{runId}": ["get"],
    "/v1/agents/{id}/evolution-runs/{runId}/resume": ["post"],
    "/v1/agents/{id}/evolution-runs/{runId}/rollback": ["post"],
    "/v1/agents/{id}/distill": ["post"],
    "/v1/agents/{id}/entities": ["get"],
    "/v1/agents/{id}/entities/{name}": ["get"],
    "/v1/agents/{id}/memories/{mid}/archive": ["post"],
    "/v1/agents/{id}/memories/{mid}/restore": ["post"],
    "/v1/agents/{id}/sleep": ["post"],
    "/v1/agents/{id}/tools": ["get"],
    "/v1/agents/{id}/jobs": ["get"],
    "/v1/agents/{id}/jobs/{jid}": ["get"],
    "/v1/agents/{id}/mcp-servers": ["get"],
    "/v1/agents/{id}/mcp-servers/{name}": ["delete", "get", "put"],
    "/v1/chat/completions": ["post"],
    "/v1/models": ["get"],
    "/v1/models/{model}": ["get"],
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

  const names = ["Agent", "Block", "Commit", "CommitResult", "CommitDiff", "Error", "ExportDocument"];
  names.push("Memory", "MemoryVersion", "MemoryPage", "Message", "MessagePage", "SearchResponse");
  names.push("SearchResult", "ScoreComponents", "Provenance");
  for (const name of names) {
    assert.equal(typeof doc.components.schemas[name], "object", name);
  }
});

test("/openapi.json describes memories, messages and search", async () => {
  const doc = (await testApp().get("/openapi.json")).body;
  const schemas = doc.components.schemas;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

  const listMemories = doc.paths["/v1/agents/{id}/memories"].get;
  const params = listMemories.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  assert.deepEqual(params.sort(), [
    "path:id",
    "query:archived",
    "query:createdAfter",
    "query:createdBefore",
    "query:cursor",
    "query:filter",
    "query:includeShared",
    "query:kind",
    "query:limit",
    "query:order",
    "query:scope",
    "query:tag",
    "query:userId",
    "query:validAt",
  ]);
  const kind = listMemories.parameters.find((p: { name: string }) => p.name === "kind");
  assert.equal(kind.schema.type, "array");
  assert.deepEqual(listMemories.responses["200"].content["application/json"].schema, ref("MemoryPage"));

  const add = doc.paths["/v1/agents/{id}/memories"].post.requestBody.content["application/json"].schema;
  assert.equal(add.anyOf.length, 2);
  assert.ok(add.anyOf.some((s: { required?: string[] }) => s.required?.includes("text")));
  assert.ok(add.anyOf.some((s: { required?: string[] }) => s.required?.includes("memories")));
  // What a memory or message reads back as null may be sent back as null (meaning not given).
  const memory = add.anyOf.find((s: { required?: string[] }) => s.required?.includes("text"));
  for (const field of ["userId", "validFrom", "validTo", "key"]) {
    assert.deepEqual(memory.properties[field].type, ["string", "null"], field);
    assert.ok(!memory.required.includes(field), field);
  }
  const message =
    doc.paths["/v1/agents/{id}/messages"].post.requestBody.content["application/json"].schema.anyOf[0];
  assert.deepEqual(message.required, ["role", "content"]);
  for (const field of ["userId", "name", "sessionId"]) {
    assert.deepEqual(message.properties[field].type, ["string", "null"], field);
  }

  const patch = doc.paths["/v1/agents/{id}/memories/{mid}"].patch;
  assert.ok("expectedVersion" in patch.requestBody.content["application/json"].schema.properties);
  for (const field of ["validFrom", "validTo"]) {
    assert.deepEqual(patch.requestBody.content["application/json"].schema.properties[field].type, [
      "string",
      "null",
    ]);
  }
  assert.equal(patch.responses["409"].content["application/json"].schema.$ref, ref("Error").$ref);
  assert.deepEqual(patch.responses["200"].content["application/json"].schema, ref("MemoryUpdate"));
  assert.match(patch.responses["200"].description, /changed: false/);
  assert.equal(schemas.MemoryUpdate.properties.changed.type, "boolean");

  const history = doc.paths["/v1/agents/{id}/memories/{mid}/history"].get;
  assert.deepEqual(history.responses["200"].content["application/json"].schema, ref("MemoryHistory"));
  assert.deepEqual(schemas.MemoryHistory.properties.items.items, ref("MemoryVersion"));

  for (const path of [
    "/v1/agents/{id}/search",
    "/v1/agents/{id}/memories/search",
    "/v1/agents/{id}/messages/search",
  ]) {
    const search = doc.paths[path].post;
    assert.deepEqual(search.responses["200"].content["application/json"].schema, ref("SearchResponse"), path);
    assert.deepEqual(search.requestBody.content["application/json"].schema.required, ["query"], path);
  }
  assert.deepEqual(schemas.SearchResult.properties.components, ref("ScoreComponents"));
  assert.deepEqual(schemas.SearchResult.properties.memory, ref("Memory"));
  assert.deepEqual(schemas.SearchResult.properties.message, ref("Message"));
  for (const field of ["bm25", "lexicalRank", "vectorDistance", "vectorRank", "relevance", "recency"]) {
    assert.ok(field in schemas.ScoreComponents.properties, field);
  }
  assert.deepEqual(schemas.Message.properties.role.enum, ["user", "assistant", "system", "tool"]);
  assert.deepEqual(schemas.MemoryVersion.properties.operation.enum, ["create", "update", "delete"]);
});

test("/openapi.json describes episodes, experience, advice and insights", async () => {
  const doc = (await testApp().get("/openapi.json")).body;
  const schemas = doc.components.schemas;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const responseOf = (path: string, method: string, status: string) =>
    doc.paths[path][method].responses[status].content["application/json"].schema;
  const bodyOf = (path: string, method: string) =>
    doc.paths[path][method].requestBody.content["application/json"].schema;

  for (const name of [
    "Episode",
    "EpisodeStep",
    "EpisodeSummary",
    "EpisodePage",
    "RecordedStep",
    "ExperienceRecord",
    "ActionStats",
    "Advice",
    "AdviceItem",
    "Insight",
    "InsightOperation",
    "InsightResult",
    "InsightExtraction",
  ]) {
    assert.equal(typeof schemas[name], "object", name);
  }

  const episodes = "/v1/agents/{id}/episodes";
  assert.deepEqual(responseOf(episodes, "post", "201"), ref("Episode"));
  const record = bodyOf(episodes, "post");
  assert.equal(record.anyOf.length, 2);
  assert.ok(record.anyOf.some((s: { required?: string[] }) => s.required?.includes("steps")));
  assert.deepEqual(responseOf(episodes, "get", "200"), ref("EpisodePage"));
  const params = doc.paths[episodes].get.parameters.map(
    (p: { name: string; in: string }) => `${p.in}:${p.name}`,
  );
  assert.deepEqual(params.sort(), ["path:id", "query:cursor", "query:filter", "query:limit", "query:task"]);
  assert.deepEqual(schemas.EpisodePage.properties.items.items, ref("EpisodeSummary"));
  assert.deepEqual(schemas.Episode.properties.steps.items, ref("EpisodeStep"));
  assert.deepEqual(schemas.Episode.properties.status.enum, ["running", "finished"]);

  const steps = "/v1/agents/{id}/episodes/{eid}/steps";
  assert.deepEqual(responseOf(steps, "post", "201"), ref("RecordedStep"));
  assert.deepEqual(schemas.RecordedStep.properties.step, ref("EpisodeStep"));
  assert.deepEqual(bodyOf(steps, "post").required.sort(), [
    "action",
    "availableActions",
    "observation",
    "reward",
  ]);
  assert.deepEqual(responseOf(steps, "post", "409"), ref("Error"));
  assert.deepEqual(responseOf("/v1/agents/{id}/episodes/{eid}/finish", "post", "200"), ref("Episode"));
  assert.deepEqual(responseOf("/v1/agents/{id}/episodes/{eid}", "get", "200"), ref("Episode"));

  assert.deepEqual(responseOf("/v1/agents/{id}/experience", "get", "200"), ref("ExperienceRecords"));
  assert.deepEqual(schemas.ExperienceRecords.properties.items.items, ref("ExperienceRecord"));
  assert.deepEqual(schemas.ExperienceRecord.properties.actions.items, ref("ActionStats"));

  assert.deepEqual(responseOf("/v1/agents/{id}/advice", "post", "200"), ref("Advice"));
  assert.deepEqual(bodyOf("/v1/agents/{id}/advice", "post").required.sort(), ["observation", "task"]);
  assert.deepEqual(schemas.Advice.properties.items.items, ref("AdviceItem"));

  const insights = "/v1/agents/{id}/insights";
  assert.deepEqual(responseOf(insights, "get", "200"), ref("InsightList"));
  assert.deepEqual(responseOf(insights, "post", "200"), ref("InsightResult"));
  assert.deepEqual(bodyOf(insights, "post").required, ["operations"]);
  assert.deepEqual(responseOf(`${insights}/extract`, "post", "200"), ref("InsightExtraction"));
  assert.deepEqual(responseOf(`${insights}/extract`, "post", "503"), ref("Error"));
  assert.deepEqual(schemas.InsightResult.properties.insights.items, ref("Insight"));
});

test("/openapi.json describes evolution runs and distillation", async () => {
  const doc = (await testApp().get("/openapi.json")).body;
  const evolve = doc.paths["/v1/agents/{id}/evolve"].post;
  const body = evolve.requestBody.content["application/json"].schema;
  assert.deepEqual([...body.required].sort(), ["rounds", "tasks"]);
  assert.ok(
    ["seed", "tolerance", "components", "objective", "wait", "model"].every((k) => k in body.properties),
  );
  assert.equal(
    evolve.responses["202"].content["application/json"].schema.$ref,
    "#/components/schemas/EvolutionRun",
  );
  const show = doc.paths["/v1/agents/{id}/evolution-runs/{runId}"].get;
  assert.deepEqual(Object.keys(show.responses["200"].content).sort(), ["application/json", "text/markdown"]);
  for (const name of [
    "EvolutionRun",
    "EvolutionReport",
    "EvolutionRunReport",
    "EvolutionRunPage",
    "Distillation",
  ]) {
    assert.equal(typeof doc.components.schemas[name], "object", name);
  }
});
