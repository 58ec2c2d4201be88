import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

describe("health and projects", () => {
  test("GET /health reports the store, its capabilities and warnings", async () => {
    const t = testApp();
    const reply = await t.get("/health");
    assert.equal(reply.status, 200);
    assert.equal(reply.body.status, "ok");
    assert.equal(reply.body.store, "sqlite");
    assert.equal(typeof reply.body.capabilities.fullText, "boolean");
    assert.deepEqual(reply.body.warnings, [...t.engram.warnings]);
  });

  test("projects: create, list, get by id and name, patch, delete", async () => {
    const t = testApp();
    const created = await t.post("/v1/projects", { name: "acme", metadata: { tier: "gold" } });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^prj_/);
    assert.deepEqual(created.body.metadata, { tier: "gold" });

    const list = await t.get("/v1/projects");
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((p: { name: string }) => p.name),
      ["acme"],
    );
    assert.equal(list.body.nextCursor, null);

    assert.equal((await t.get(`/v1/projects/${created.body.id}`)).body.name, "acme");
    assert.equal((await t.get("/v1/projects/acme")).body.id, created.body.id);

    const patched = await t.patch("/v1/projects/acme", { name: "acme-2" });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, "acme-2");
    assert.equal((await t.get("/v1/projects/acme")).status, 404);

    const taken = await t.post("/v1/projects", { name: "acme-2" });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, "conflict");

    const deleted = await t.del("/v1/projects/acme-2");
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, null);
    const gone = await t.get("/v1/projects/acme-2");
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, "not_found");
  });
});

describe("agents", () => {
  test("POST creates an agent with default blocks on main", async () => {
    const t = testApp();
    const created = await t.post("/v1/agents", { name: "helper", model: "openai:gpt-4o-mini" });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^agt_/);
    assert.equal(created.body.name, "helper");
    assert.equal(created.body.model, "openai:gpt-4o-mini");
    assert.equal(created.body.defaultBranch, "main");
    const blocks = await t.get(`/v1/agents/${created.body.id}/blocks`);
    assert.deepEqual(
      blocks.body.blocks.map((b: { label: string }) => b.label),
      ["human", "persona"],
    );
  });

  test("POST with blocks and a project puts them there", async () => {
    const t = testApp();
    await t.post("/v1/projects", { name: "lab" });
    const agent = await t.agent({
      name: "tutor",
      project: "lab",
      instructions: "Teach.",
      blocks: [{ label: "style", value: "Socratic", limit: 100 }],
    });
    const project = await t.get("/v1/projects/lab");
    assert.equal(agent.projectId, project.body.id);
    const block = await t.get(`/v1/agents/${agent.id}/blocks/style`);
    assert.equal(block.body.value, "Socratic");
    assert.equal(block.body.limit, 100);
  });

  test("GET lists agents page by page, and filters by project", async () => {
    const t = testApp();
    const ids = [];
    for (const name of ["a", "b", "c"]) ids.push((await t.agent({ name })).id);
    await t.post("/v1/projects", { name: "other" });
    await t.agent({ name: "elsewhere", project: "other" });

    const first = await t.get("/v1/agents?limit=2&project=default");
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    assert.equal(typeof first.body.nextCursor, "string");
    const second = await t.get(`/v1/agents?limit=2&project=default&cursor=${first.body.nextCursor}`);
    assert.equal(second.body.items.length, 1);
    assert.equal(second.body.nextCursor, null);
    const seen = [...first.body.items, ...second.body.items].map((a: { id: string }) => a.id);
    assert.deepEqual(seen.sort(), ids.sort());

    const other = await t.get("/v1/agents?project=other");
    assert.deepEqual(
      other.body.items.map((a: { name: string }) => a.name),
      ["elsewhere"],
    );
    assert.equal((await t.get("/v1/agents")).body.items.length, 4);
  });

  test("GET by id or name, PATCH, DELETE", async () => {
    const t = testApp();
    const agent = await t.agent({ name: "helper" });
    assert.equal((await t.get(`/v1/agents/${agent.id}`)).body.name, "helper");
    assert.equal((await t.get("/v1/agents/helper")).body.id, agent.id);

    const patched = await t.patch(`/v1/agents/${agent.id}`, {
      instructions: "Be brief.",
      model: null,
      metadata: { team: "x" },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.instructions, "Be brief.");
    assert.equal(patched.body.model, null);
    assert.deepEqual(patched.body.metadata, { team: "x" });
    assert.equal((await t.get(`/v1/agents/${agent.id}`)).body.instructions, "Be brief.");

    const deleted = await t.del(`/v1/agents/${agent.id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await t.get(`/v1/agents/${agent.id}`)).status, 404);
    assert.equal((await t.get(`/v1/agents/${agent.id}/blocks`)).status, 404);
  });

  test("POST /fork makes an agent with the same history up to a revision", async () => {
    const t = testApp();
    const agent = await t.agent();
    const first = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "v2" });

    const fork = await t.post(`/v1/agents/${agent.id}/fork`, { name: "copy", at: first });
    assert.equal(fork.status, 201);
    assert.equal(fork.body.name, "copy");
    assert.notEqual(fork.body.id, agent.id);
    const forkBlocks = await t.get(`/v1/agents/${fork.body.id}/blocks`);
    assert.equal(forkBlocks.body.commit, first);
    assert.equal(forkBlocks.body.blocks.find((b: { label: string }) => b.label === "persona").value, "");

    // No body at all: fork at HEAD with a default name.
    const bare = await t.post(`/v1/agents/${agent.id}/fork`);
    assert.equal(bare.status, 201);
    assert.equal(bare.body.name, "helper (fork)");
    const bareBlocks = await t.get(`/v1/agents/${bare.body.id}/blocks/persona`);
    assert.equal(bareBlocks.body.value, "v2");
  });

  test("agent names are unique in a project: a taken name is a 409 naming it, and changes nothing", async () => {
    const t = testApp();
    const agent = await t.agent();
    const other = await t.post("/v1/agents", { name: "other" });
    const message = 'an agent named "helper" already exists in this project';
    const attempts = [
      await t.post("/v1/agents", { name: "helper" }),
      await t.patch(`/v1/agents/${other.body.id}`, { name: "helper" }),
      await t.post(`/v1/agents/${other.body.id}/fork`, { name: "helper" }),
    ];
    for (const reply of attempts)
      assert.deepEqual([reply.status, reply.body], [409, { error: { code: "conflict", message } }]);
    assert.deepEqual(
      (await t.get("/v1/agents")).body.items.map((a: { id: string }) => a.id),
      [agent.id, other.body.id],
    );
    assert.equal((await t.get(`/v1/agents/${other.body.id}`)).body.name, "other");
  });

  test("a name that starts as agent ids do is a 400 naming the field, and changes nothing", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const message = /^invalid request body: name: must not start with "agt_", which marks agent ids$/;
    const expected = { status: 400, code: "invalid_input", message };
    for (const name of ["agt_hello", agent.id])
      await refuses(t, agent.id, () => t.post("/v1/agents", { name }), expected);
    await refuses(t, agent.id, () => t.patch(`/v1/agents/${agent.id}`, { name: "agt_hello" }), expected);
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/fork`, { name: "agt_hello" }), expected);
    assert.deepEqual(
      (await t.get("/v1/agents")).body.items.map((a: { name: string }) => a.name),
      ["helper"],
    );
    // The id still names the agent it is the id of.
    assert.equal((await t.get(`/v1/agents/${agent.id}`)).body.name, "helper");
  });
});
