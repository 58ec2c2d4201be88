import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { testApp } from "./test-support.ts";

describe("blocks", () => {
  test("POST creates a block as a new commit; GET reads it, with the commit as ETag", async () => {
    const t = testApp();
    const agent = await t.agent();
    const before = await t.get(`/v1/agents/${agent.id}/blocks`);
    assert.equal(before.status, 200);
    assert.equal(before.body.branch, "main");
    assert.equal(before.headers.get("etag"), `"${before.body.commit}"`);

    const created = await t.post(`/v1/agents/${agent.id}/blocks`, {
      label: "rules",
      value: "Cite sources.",
      description: "learned rules",
      limit: 200,
      message: "add rules",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.changed, true);
    assert.equal(created.body.branch, "main");
    assert.equal(created.body.commit.parentId, before.body.commit);
    assert.equal(created.body.commit.message, "add rules");
    assert.equal(created.body.commit.author, "user");

    const block = await t.get(`/v1/agents/${agent.id}/blocks/rules`);
    assert.equal(block.status, 200);
    assert.deepEqual(block.body, {
      label: "rules",
      value: "Cite sources.",
      description: "learned rules",
      limit: 200,
      readOnly: false,
      size: 13,
      commit: created.body.commit.id,
    });
    assert.equal(block.headers.get("etag"), `"${created.body.commit.id}"`);
  });

  test("POST of a label that exists is 409 and writes nothing", async () => {
    const t = testApp();
    const agent = await t.agent();
    const state = await t.state(agent.id);
    const reply = await t.post(`/v1/agents/${agent.id}/blocks`, { label: "persona", value: "x" });
    assert.equal(reply.status, 409);
    assert.equal(reply.body.error.code, "conflict");
    assert.match(reply.body.error.message, /persona.*already exists/);
    assert.deepEqual(await t.state(agent.id), state);
  });

  test("GET at a commit reads the blocks as they were", async () => {
    const t = testApp();
    const agent = await t.agent();
    const v1 = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "first" });
    await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "second" });

    const now = await t.get(`/v1/agents/${agent.id}/blocks/persona`);
    assert.equal(now.body.value, "second");
    const then = await t.get(`/v1/agents/${agent.id}/blocks/persona?at=${v1.body.commit.id}`);
    assert.equal(then.body.value, "first");
    assert.equal(then.body.commit, v1.body.commit.id);
    const prefix = await t.get(`/v1/agents/${agent.id}/blocks?at=${v1.body.commit.id.slice(0, 10)}`);
    assert.equal(prefix.body.commit, v1.body.commit.id);
    assert.equal(prefix.body.branch, null);
    const back = await t.get(`/v1/agents/${agent.id}/blocks/persona?at=HEAD~1`);
    assert.equal(back.body.value, "first");
  });

  test("GET with both at and branch is 400 naming both: at names a revision of any branch", async () => {
    const t = testApp();
    const agent = await t.agent();
    await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "first" });
    for (const path of ["blocks/persona", "blocks"]) {
      const both = await t.get(`/v1/agents/${agent.id}/${path}?at=HEAD&branch=main`);
      assert.equal(both.status, 400, JSON.stringify(both.body));
      assert.match(both.body.error.message, /give at or branch, not both/);
    }
  });

  test("PUT updates only the fields given; an identical PUT changes nothing", async () => {
    const t = testApp();
    const agent = await t.agent();
    const updated = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "Calm.", limit: 50 });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.changed, true);
    assert.equal(updated.headers.get("etag"), `"${updated.body.commit.id}"`);

    const described = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { description: "tone" });
    const block = await t.get(`/v1/agents/${agent.id}/blocks/persona`);
    assert.equal(block.body.value, "Calm.");
    assert.equal(block.body.limit, 50);
    assert.equal(block.body.description, "tone");

    const again = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "Calm." });
    assert.equal(again.status, 200);
    assert.equal(again.body.changed, false);
    assert.equal(again.body.commit.id, described.body.commit.id);
  });

  test("writes honour expectedHead and If-Match; a stale head is 409 and changes nothing", async () => {
    const t = testApp();
    const agent = await t.agent();
    const head = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    const ok = await t.put(`/v1/agents/${agent.id}/blocks/human`, { value: "Ada", expectedHead: head });
    assert.equal(ok.status, 200);
    const state = await t.state(agent.id);

    const stale = await t.put(`/v1/agents/${agent.id}/blocks/human`, { value: "Bob", expectedHead: head });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, "conflict");
    assert.equal(stale.body.error.details.head, ok.body.commit.id);
    assert.deepEqual(await t.state(agent.id), state);

    const staleHeader = await t.put(
      `/v1/agents/${agent.id}/blocks/human`,
      { value: "Bob" },
      { "if-match": `"${head}"` },
    );
    assert.equal(staleHeader.status, 409);
    const staleDelete = await t.del(`/v1/agents/${agent.id}/blocks/human?expectedHead=${head}`);
    assert.equal(staleDelete.status, 409);
    const staleCreate = await t.post(
      `/v1/agents/${agent.id}/blocks`,
      { label: "notes", value: "n" },
      { "if-match": head },
    );
    assert.equal(staleCreate.status, 409);
    assert.deepEqual(await t.state(agent.id), state);

    const current = ok.body.commit.id;
    const viaHeader = await t.put(
      `/v1/agents/${agent.id}/blocks/human`,
      { value: "Bob" },
      { "if-match": `"${current}"` },
    );
    assert.equal(viaHeader.status, 200);
    assert.equal(viaHeader.body.commit.parentId, current);

    const disagree = await t.put(
      `/v1/agents/${agent.id}/blocks/human`,
      { value: "Cy", expectedHead: viaHeader.body.commit.id },
      { "if-match": `"${current}"` },
    );
    assert.equal(disagree.status, 400);
    assert.match(disagree.body.error.message, /If-Match/);
  });

  test("DELETE removes a block as a new commit", async () => {
    const t = testApp();
    const agent = await t.agent();
    const head = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    const deleted = await t.del(`/v1/agents/${agent.id}/blocks/human`, { "if-match": `"${head}"` });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.changed, true);
    assert.equal(deleted.body.commit.parentId, head);
    assert.equal((await t.get(`/v1/agents/${agent.id}/blocks/human`)).status, 404);
    const again = await t.del(`/v1/agents/${agent.id}/blocks/human`);
    assert.equal(again.status, 404);
  });

  test("a value over the block's limit is 400 and changes nothing", async () => {
    const t = testApp();
    const agent = await t.agent({ name: "a", blocks: [{ label: "short", value: "ok", limit: 5 }] });
    const state = await t.state(agent.id);
    const put = await t.put(`/v1/agents/${agent.id}/blocks/short`, { value: "far too long" });
    assert.equal(put.status, 400);
    assert.equal(put.body.error.code, "invalid_input");
    assert.match(put.body.error.message, /short.*12 characters.*limit of 5/);
    const post = await t.post(`/v1/agents/${agent.id}/blocks`, { label: "tiny", value: "abc", limit: 2 });
    assert.equal(post.status, 400);
    assert.deepEqual(await t.state(agent.id), state);
  });

  test("the agent cannot change a read-only block (403), a user can", async () => {
    const t = testApp();
    const agent = await t.agent({ name: "a", blocks: [{ label: "policy", value: "v1", readOnly: true }] });
    const state = await t.state(agent.id);
    const denied = await t.put(`/v1/agents/${agent.id}/blocks/policy`, { value: "v2", author: "agent" });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, "forbidden");
    assert.deepEqual(await t.state(agent.id), state);
    const allowed = await t.put(`/v1/agents/${agent.id}/blocks/policy`, { value: "v2", author: "user" });
    assert.equal(allowed.status, 200);
  });

  test("a block label that breaks the label rules is 400 naming the label", async () => {
    const t = testApp();
    const agent = await t.agent();
    const reply = await t.put(`/v1/agents/${agent.id}/blocks/.hidden`, { value: "x" });
    assert.equal(reply.status, 400);
    assert.match(reply.body.error.message, /^invalid path: label: must be 1-64/);
  });
});
