import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

describe("shared blocks over HTTP", () => {
  it("creates, attaches, edits through one agent, lists edits, detaches and deletes", async () => {
    const t = testApp({ engram: createTestEngram() });
    const a = await t.agent({ name: "a" });
    const b = await t.agent({ name: "b" });
    const created = await t.post("/v1/blocks", {
      label: "team",
      value: "v1",
      limit: 100,
      description: "rules",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.match(id, /^blk_/);
    assert.equal(created.body.projectId, a.projectId);
    for (const agent of [a, b]) {
      const attached = await t.post(`/v1/agents/${agent.name}/blocks/attach`, { blockId: id });
      assert.equal(attached.status, 200, JSON.stringify(attached.body));
      assert.equal(attached.body.changed, true);
    }
    const put = await t.put(`/v1/agents/${a.id}/blocks/team`, { value: "v2", author: "agent" });
    assert.equal(put.status, 200);
    const seen = await t.get(`/v1/agents/${b.id}/blocks/team`);
    assert.equal(seen.body.value, "v2");
    assert.equal(seen.body.sharedId, id);
    const info = await t.get(`/v1/blocks/${id}`);
    assert.equal(info.body.value, "v2");
    assert.equal(info.body.attachments.length, 2);
    const edits = await t.get(`/v1/blocks/${id}/commits`);
    assert.equal(edits.status, 200);
    assert.equal(edits.body.items.length, 1);
    assert.equal(edits.body.items[0].agentId, a.id);
    assert.equal(edits.body.items[0].commits.length, 2);
    const listed = await t.get("/v1/blocks");
    assert.deepEqual(
      listed.body.items.map((x: { id: string }) => x.id),
      [id],
    );
    assert.equal((await t.del(`/v1/blocks/${id}`)).status, 409);
    for (const agent of [a, b])
      assert.equal((await t.post(`/v1/agents/${agent.id}/blocks/team/detach`)).status, 200);
    assert.equal((await t.get(`/v1/agents/${b.id}/blocks/team`)).body.value, "v2");
    assert.equal((await t.del(`/v1/blocks/${id}`)).status, 204);
    assert.equal((await t.get(`/v1/blocks/${id}`)).status, 404);
  });

  it("a read-only attachment refuses the agent's edit with 403, changing nothing", async () => {
    const t = testApp({ engram: createTestEngram() });
    const a = await t.agent({ name: "a" });
    const id = (await t.post("/v1/blocks", { label: "team", value: "v1" })).body.id;
    await t.post(`/v1/agents/${a.id}/blocks/attach`, { blockId: id, readOnly: true });
    await refuses(t, a.id, () => t.put(`/v1/agents/${a.id}/blocks/team`, { value: "x", author: "agent" }), {
      status: 403,
      code: "forbidden",
    });
  });

  it("refuses a missing block and a label clash with a clear error, changing nothing", async () => {
    const t = testApp({ engram: createTestEngram() });
    const a = await t.agent({ name: "a" });
    await refuses(t, a.id, () => t.post(`/v1/agents/${a.id}/blocks/attach`, { blockId: "blk_nope" }), {
      status: 404,
      code: "not_found",
      message: /shared block blk_nope not found/,
    });
    const clash = (await t.post("/v1/blocks", { label: "persona", value: "p" })).body.id;
    await refuses(t, a.id, () => t.post(`/v1/agents/${a.id}/blocks/attach`, { blockId: clash }), {
      status: 409,
      code: "conflict",
      message: /already has a block labelled "persona"/,
    });
    await refuses(t, a.id, () => t.post(`/v1/agents/${a.id}/blocks/persona/detach`), {
      status: 404,
      code: "not_found",
      message: /no shared block labelled "persona"/,
    });
    const bad = await t.post("/v1/blocks", { label: "team", value: "v", limit: 0 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /limit/);
  });

  it("never attaches another project's block to one's own agent (404), nor changes it", async () => {
    const t = testApp({ engram: createTestEngram(), auth: true, rateLimit: false, authFailureLimit: false });
    const theirs = await t.engram.keys.create({ project: "theirs" }, { createProject: true });
    const foreign = await t.engram
      .forProject(theirs.project.id)
      .sharedBlocks.create({ label: "team", value: "their secret" });
    const mine = await t.engram.keys.create({ project: "mine" }, { createProject: true });
    const auth = { authorization: `Bearer ${mine.key}` };
    const agent = await t.engram.forProject(mine.project.id).agents.create({ name: "my-agent" });
    const before = await t.engram.sharedBlocks.get(foreign.id);
    const reply = await t.post(`/v1/agents/${agent.id}/blocks/attach`, { blockId: foreign.id }, auth);
    assert.equal(reply.status, 404, JSON.stringify(reply.body));
    assert.equal(JSON.stringify(reply.body).includes("their secret"), false);
    assert.deepEqual(await t.engram.sharedBlocks.get(foreign.id), before);
    assert.deepEqual(
      (await t.engram.blocks.list(agent.id)).blocks.map((b) => b.label),
      ["human", "persona"],
    );
  });
});
