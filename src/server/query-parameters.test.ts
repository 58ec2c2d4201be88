import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { documentedOperations } from "./route-catalog.ts";
import { testApp } from "./test-support.ts";

describe("query parameters", () => {
  it("creates an agent in the project ?project= names, and never elsewhere", async () => {
    const t = testApp();
    const acme = (await t.post("/v1/projects", { name: "acme" })).body;
    const inQuery = await t.post(`/v1/agents?project=acme`, { name: "helper" });
    assert.equal(inQuery.status, 201, JSON.stringify(inQuery.body));
    assert.equal(inQuery.body.projectId, acme.id);
    const byId = await t.post(`/v1/agents?project=${acme.id}`, { name: "other" });
    assert.equal(byId.body.projectId, acme.id);

    const before = (await t.get("/v1/agents?limit=500")).body;
    const missing = await t.post("/v1/agents?project=nowhere", { name: "lost" });
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /nowhere/);
    const disagree = await t.post("/v1/agents?project=acme", { name: "torn", project: "default" });
    assert.equal(disagree.status, 400);
    assert.match(
      disagree.body.error.message,
      /project is given in the query \(acme\) and in the body \(default\)/,
    );
    const agree = await t.post("/v1/agents?project=acme", { name: "same", project: "acme" });
    assert.equal(agree.body.projectId, acme.id);
    const after = (await t.get("/v1/agents?limit=500")).body;
    assert.deepEqual(
      after.items.map((a: { name: string }) => a.name).sort(),
      [...before.items.map((a: { name: string }) => a.name), "same"].sort(),
      "the refused requests created nothing",
    );
  });

  it("with a key, ?project= naming another project is 404 and creates nothing there or here", async () => {
    const t = testApp({ auth: true });
    const red = await t.engram.keys.create({ project: "red" }, { createProject: true });
    const blue = await t.engram.keys.create({ project: "blue" }, { createProject: true });
    const asBlue = { authorization: `Bearer ${blue.key}` };
    for (const project of [red.project.id, red.project.name]) {
      const reply = await t.post(`/v1/agents?project=${project}`, { name: "intruder" }, asBlue);
      assert.equal(reply.status, 404, JSON.stringify(reply.body));
    }
    assert.equal((await t.engram.agents.list({ project: "red" })).items.length, 0);
    assert.equal((await t.engram.agents.list({ project: "blue" })).items.length, 0);
    const own = await t.post(`/v1/agents?project=blue`, { name: "mine" }, asBlue);
    assert.equal(own.body.projectId, blue.project.id);
  });

  it("imports into the project the query or the body names, refusing the two when they disagree", async () => {
    const t = testApp();
    await t.post("/v1/projects", { name: "acme" });
    const agent = await t.agent();
    const document = (await t.get(`/v1/agents/${agent.id}/export`)).body;
    const torn = await t.post("/v1/import?project=acme&newIds=true", { document, project: "default" });
    assert.equal(torn.status, 400);
    assert.match(
      torn.body.error.message,
      /project is given in the query \(acme\) and in the body \(default\)/,
    );
    const idsTorn = await t.post("/v1/import?newIds=false", { document, newIds: true, project: "acme" });
    assert.match(
      idsTorn.body.error.message,
      /newIds is given in the query \(false\) and in the body \(true\)/,
    );
    const imported = await t.post("/v1/import?project=acme&newIds=true", { document });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.projectId, (await t.get("/v1/projects/acme")).body.id);
  });

  it("refuses on every route a query parameter it does not document, naming it", async () => {
    const t = testApp();
    const agent = await t.agent();
    const operations = await documentedOperations(t.app);
    assert.ok(operations.length > 50, `only ${operations.length} operations`);
    // The MCP endpoint answers in JSON-RPC: see mcp.test.ts.
    for (const op of operations.filter((o) => o.path !== "/mcp")) {
      const path = op.path.replaceAll(/{[^}]+}/g, (param) => (param === "{id}" ? agent.id : "x"));
      const reply = await t.send(op.method, `${path}?projcet=acme`);
      assert.equal(reply.status, 400, `${op.method} ${op.path}: ${JSON.stringify(reply.body)}`);
      assert.match(reply.body.error.message, /"projcet" is not a parameter of/);
    }
    const listed = await t.get("/v1/agents?project=default&limit=5");
    assert.equal(listed.status, 200, "documented ones pass");
    const page = await t.get("/v1/projects?cursor=&limit=1&extra=1");
    assert.match(
      page.body.error.message,
      /"extra" is not a parameter of GET \/v1\/projects \(it takes: cursor, limit\)/,
    );
    assert.deepEqual(t.internalErrors, []);
  });
});
