import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { agentWhoLearned } from "../transfer/test-fixture.ts";
import { type TestApp, testApp } from "./test-support.ts";

/** An agent with some history: two branches and several commits. */
async function agentWithHistory(t: TestApp) {
  const agent = await t.agent({ name: "historian", instructions: "Remember.", metadata: { k: 1 } });
  await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "v1" });
  await t.post(`/v1/agents/${agent.id}/branches`, { name: "exp/x" });
  await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "v2", branch: "exp/x" });
  await t.post(`/v1/agents/${agent.id}/blocks`, { label: "notes", value: "n", limit: 10 });
  return agent;
}

function withoutTime(doc: Record<string, unknown>) {
  const { exportedAt: _, ...rest } = doc;
  return rest;
}

describe("export and import", () => {
  test("GET /export returns the versioned document with the full history", async () => {
    const t = testApp();
    const agent = await agentWithHistory(t);
    const doc = await t.get(`/v1/agents/${agent.id}/export`);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.format, "engram.agent");
    assert.equal(doc.body.version, 2);
    assert.equal(doc.body.agent.id, agent.id);
    assert.equal(doc.body.commits.length, 4);
    assert.deepEqual(doc.body.branches.map((b: { name: string }) => b.name).sort(), ["exp/x", "main"]);
  });

  test("import with newIds copies the agent beside the original, keeping commit ids", async () => {
    const t = testApp();
    const agent = await agentWithHistory(t);
    const doc = (await t.get(`/v1/agents/${agent.id}/export`)).body;

    const imported = await t.post("/v1/import", { document: doc, newIds: true });
    assert.equal(imported.status, 201);
    assert.notEqual(imported.body.id, agent.id);
    assert.equal(
      imported.body.name,
      "historian-2",
      "names are unique in a project: the copy takes a free one",
    );

    const log = async (id: string, branch: string) =>
      (await t.get(`/v1/agents/${id}/commits?branch=${branch}`)).body.items.map((c: { id: string }) => c.id);
    assert.deepEqual(await log(imported.body.id, "main"), await log(agent.id, "main"));
    assert.deepEqual(await log(imported.body.id, "exp/x"), await log(agent.id, "exp/x"));
    assert.deepEqual(
      (await t.get(`/v1/agents/${imported.body.id}/blocks`)).body,
      (await t.get(`/v1/agents/${agent.id}/blocks`)).body,
    );

    const copy = (await t.get(`/v1/agents/${imported.body.id}/export`)).body;
    assert.deepEqual(
      withoutTime({ ...copy, agent: { ...copy.agent, id: agent.id, name: "historian" } }),
      withoutTime(doc),
    );
  });

  test("importing the original into a fresh engram reproduces it exactly", async () => {
    const source = testApp();
    const agent = await agentWithHistory(source);
    const doc = (await source.get(`/v1/agents/${agent.id}/export`)).body;

    const target = testApp();
    const imported = await target.post("/v1/import", { document: doc });
    assert.equal(imported.status, 201);
    assert.equal(imported.body.id, agent.id);
    const again = (await target.get(`/v1/agents/${agent.id}/export`)).body;
    assert.deepEqual(withoutTime(again), withoutTime(doc));
    for (const branch of ["main", "exp/x"]) {
      assert.deepEqual(
        (await target.get(`/v1/agents/${agent.id}/blocks?branch=${branch}`)).body,
        (await source.get(`/v1/agents/${agent.id}/blocks?branch=${branch}`)).body,
      );
    }

    const duplicate = await target.post("/v1/import", { document: doc });
    assert.equal(duplicate.status, 409);
  });

  test("the raw document can be the body, with newIds and project in the query", async () => {
    const t = testApp();
    await t.post("/v1/projects", { name: "lab" });
    const agent = await agentWithHistory(t);
    const doc = (await t.get(`/v1/agents/${agent.id}/export`)).body;
    const imported = await t.post("/v1/import?newIds=true&project=lab", doc);
    assert.equal(imported.status, 201);
    assert.notEqual(imported.body.id, agent.id);
    assert.equal(imported.body.projectId, (await t.get("/v1/projects/lab")).body.id);

    const badFlag = await t.post("/v1/import?newIds=maybe", doc);
    assert.equal(badFlag.status, 400);
    assert.match(badFlag.body.error.message, /newIds/);
  });

  test("a newer export version is 422; a tampered or incomplete document is 400; both write nothing", async () => {
    const t = testApp();
    const agent = await agentWithHistory(t);
    const doc = (await t.get(`/v1/agents/${agent.id}/export`)).body;
    const agents = (await t.get("/v1/agents")).body;
    const events = (await t.get("/v1/events?limit=500")).body;

    const newer = await t.post("/v1/import", { document: { ...doc, version: 3 }, newIds: true });
    assert.equal(newer.status, 422);
    assert.equal(newer.body.error.code, "unsupported_format");
    assert.match(newer.body.error.message, /upgrade/);

    const tampered = structuredClone(doc);
    tampered.blobs[0].value = "changed";
    const bad = await t.post("/v1/import", { document: tampered, newIds: true });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /blobs\.0\.hash/);

    const noDocument = await t.post("/v1/import", { newIds: true });
    assert.equal(noDocument.status, 400);
    assert.match(noDocument.body.error.message, /document: required/);

    assert.deepEqual((await t.get("/v1/agents")).body, agents);
    assert.deepEqual((await t.get("/v1/events?limit=500")).body, events);
  });

  test("the import route takes bodies larger than the general limit, up to its own", async () => {
    const big = "x".repeat(3000);
    const t = testApp({ maxBodyBytes: 2000 });
    const agent = await t.agent({ name: "big", blocks: [{ label: "k", value: "small", limit: 10_000 }] });
    await t.put(`/v1/agents/${agent.id}/blocks/k`, { value: big.slice(0, 1500) });
    const tooBig = await t.put(`/v1/agents/${agent.id}/blocks/k`, { value: big });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, "payload_too_large");

    const doc = (await t.get(`/v1/agents/${agent.id}/export`)).body;
    assert.ok(JSON.stringify({ document: doc }).length > 2000);
    assert.equal((await t.post("/v1/import", { document: doc, newIds: true })).status, 201);

    const strict = testApp({ maxImportBytes: 500 });
    const refused = await strict.post("/v1/import", { document: doc });
    assert.equal(refused.status, 413);
    assert.equal((await strict.get("/v1/agents")).body.items.length, 0);
  });

  test("carries all an agent learned: the imported agent answers searches and advice at once", async () => {
    const source = testApp({ engram: createTestEngram() });
    const learned = await agentWhoLearned(source.engram);
    const id = learned.agent.id;
    const doc = (await source.get(`/v1/agents/${id}/export`)).body;
    assert.deepEqual(
      [doc.memories.length, doc.messages.length, doc.episodes.length, doc.insights.length],
      [3, learned.messages.length, 2, 2],
    );

    const target = testApp({ engram: createTestEngram({ start: Date.UTC(2027, 0, 1) }) });
    assert.equal((await target.post("/v1/import", { document: doc })).status, 201);
    assert.deepEqual(withoutTime((await target.get(`/v1/agents/${id}/export`)).body), withoutTime(doc));
    const memories = await target.post(`/v1/agents/${id}/memories/search`, { query: "refractor telescope" });
    // The telescope memory, and the one its carried sleep-time mark links to as related.
    assert.deepEqual(
      memories.body.results.map((r: { id: string; components: { relatedTo: string[] } }) => [
        r.id,
        r.components.relatedTo,
      ]),
      [
        [learned.telescope.id, []],
        [learned.sourdough.id, [learned.telescope.id]],
      ],
    );
    const messages = await target.post(`/v1/agents/${id}/messages/search`, { query: "sourdough starter" });
    assert.ok(messages.body.results.some((r: { id: string }) => r.id === learned.messages[2]?.id));

    // The raw document as the body, copied beside the original with new ids.
    const copy = await target.post("/v1/import?newIds=true", doc);
    assert.equal(copy.status, 201);
    const copied = await target.post(`/v1/agents/${copy.body.id}/memories/search`, { query: "refractor" });
    // Its telescope memory, and its own copy of the memory linked as related (the link follows the ids).
    assert.equal(copied.body.results.length, 2);
    assert.notEqual(copied.body.results[0].id, learned.telescope.id);
    assert.deepEqual(copied.body.results[1].components.relatedTo, [copied.body.results[0].id]);
    assert.notEqual(copied.body.results[1].id, learned.sourdough.id);

    const bad = structuredClone(doc);
    bad.messages[4].createdAt = "later";
    const refused = await target.post("/v1/import", { document: bad, newIds: true });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /messages\.4\.createdAt/);
    assert.equal((await target.get("/v1/agents")).body.items.length, 2);
  });
});

describe("import holds a document to the rules of live writes", () => {
  test("refuses what the live API refuses: an action not available, a count below 1, a version out of step", async () => {
    const source = createTestEngram();
    const document = await source.transfer.export((await agentWhoLearned(source)).agent.id);
    const t = testApp();
    const { body: agent } = await t.post("/v1/agents", { name: "live" });
    const { body: episode } = await t.post(`/v1/agents/${agent.id}/episodes`, { task: "walk" });
    const live = await t.post(`/v1/agents/${agent.id}/episodes/${episode.id}/steps`, {
      observation: "o",
      availableActions: ["left"],
      action: "fly",
      reward: 0,
    });
    assert.equal(live.status, 400);
    assert.match(live.body.error.message, /action: must be one of availableActions/);
    const edits: [(d: typeof document) => void, RegExp][] = [
      [
        (d) => Object.assign(d.episodes[0]?.steps[1] ?? {}, { action: "fly" }),
        /episodes\.0\.steps\.1\.action: must be one of availableActions/,
      ],
      [(d) => Object.assign(d.insights[0] ?? {}, { count: -1 }), /insights\.0\.count: must be at least 1/],
      [
        (d) => Object.assign(d.memories[0] ?? {}, { version: 1e9 }),
        /memories\.0\.version: must be \d+, the number/,
      ],
    ];
    for (const [edit, message] of edits) {
      const copy = structuredClone(document);
      edit(copy);
      const reply = await t.post("/v1/import", { document: copy, newIds: true });
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, "invalid_input");
      assert.match(reply.body.error.message, message);
    }
    assert.equal((await t.get("/v1/agents")).body.items.length, 1);
  });
});
