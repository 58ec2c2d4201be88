import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { testApp } from "./test-support.ts";

type Commit = { id: string; parentId: string | null; message: string };

describe("history", () => {
  test("GET /commits lists newest first, page by page", async () => {
    const t = testApp();
    const agent = await t.agent();
    const root = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    const a = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "a", message: "m1" });
    const b = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "b", message: "m2" });

    const all = await t.get(`/v1/agents/${agent.id}/commits`);
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((c: Commit) => c.id),
      [b.body.commit.id, a.body.commit.id, root],
    );
    assert.equal(all.body.nextCursor, null);

    const page1 = await t.get(`/v1/agents/${agent.id}/commits?limit=2`);
    assert.deepEqual(
      page1.body.items.map((c: Commit) => c.message),
      ["m2", "m1"],
    );
    const page2 = await t.get(`/v1/agents/${agent.id}/commits?limit=2&cursor=${page1.body.nextCursor}`);
    assert.deepEqual(
      page2.body.items.map((c: Commit) => c.id),
      [root],
    );
    assert.equal(page2.body.nextCursor, null);

    const fromA = await t.get(`/v1/agents/${agent.id}/commits?from=${a.body.commit.id}`);
    assert.equal(fromA.body.items.length, 2);
    const both = await t.get(`/v1/agents/${agent.id}/commits?from=${a.body.commit.id}&branch=main`);
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /give from or branch, not both/);
  });

  test("POST /commits changes several blocks in one commit (201), a no-op is 200", async () => {
    const t = testApp();
    const agent = await t.agent();
    const head = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    const made = await t.post(`/v1/agents/${agent.id}/commits`, {
      changes: [
        { op: "set", label: "persona", value: "Terse." },
        { op: "set", label: "goals", value: "Ship.", limit: 100 },
        { op: "delete", label: "human" },
      ],
      expectedHead: head,
      author: "sleeptime",
      message: "consolidate",
    });
    assert.equal(made.status, 201);
    assert.equal(made.body.changed, true);
    assert.equal(made.body.commit.author, "sleeptime");
    assert.equal(made.body.commit.parentId, head);
    const blocks = await t.get(`/v1/agents/${agent.id}/blocks`);
    assert.deepEqual(
      blocks.body.blocks.map((b: { label: string; value: string }) => [b.label, b.value]),
      [
        ["goals", "Ship."],
        ["persona", "Terse."],
      ],
    );

    const state = await t.state(agent.id);
    const stale = await t.post(
      `/v1/agents/${agent.id}/commits`,
      { changes: [{ op: "delete", label: "goals" }] },
      { "if-match": `"${head}"` },
    );
    assert.equal(stale.status, 409);
    assert.deepEqual(await t.state(agent.id), state);

    const same = await t.post(`/v1/agents/${agent.id}/commits`, {
      changes: [{ op: "set", label: "persona", value: "Terse." }],
    });
    assert.equal(same.status, 200);
    assert.equal(same.body.changed, false);
    assert.equal(same.body.commit.id, made.body.commit.id);
  });

  test("GET /commits/{rev} by id, prefix, HEAD~N and branch; unknown is 404", async () => {
    const t = testApp();
    const agent = await t.agent();
    const root = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    const next = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "x" });
    const id = next.body.commit.id;

    const full = await t.get(`/v1/agents/${agent.id}/commits/${id}`);
    assert.equal(full.status, 200);
    assert.equal(full.body.id, id);
    assert.equal(full.body.parentId, root);
    assert.ok(full.body.tree.some((e: { label: string }) => e.label === "persona"));
    assert.equal((await t.get(`/v1/agents/${agent.id}/commits/${id.slice(0, 8)}`)).body.id, id);
    assert.equal((await t.get(`/v1/agents/${agent.id}/commits/HEAD~1`)).body.id, root);
    assert.equal((await t.get(`/v1/agents/${agent.id}/commits/main`)).body.id, id);

    const unknown = await t.get(`/v1/agents/${agent.id}/commits/${"f".repeat(64)}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "not_found");
    const pastRoot = await t.get(`/v1/agents/${agent.id}/commits/HEAD~5`);
    assert.equal(pastRoot.status, 404);
  });

  test("GET /diff compares two revisions; `from` defaults to the parent of `to`", async () => {
    const t = testApp();
    const agent = await t.agent();
    const root = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "line one\nline two" });
    const second = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "line one\nline 2" });

    const diff = await t.get(`/v1/agents/${agent.id}/diff?from=${root}&to=${second.body.commit.id}`);
    assert.equal(diff.status, 200);
    assert.equal(diff.body.from, root);
    assert.equal(diff.body.to, second.body.commit.id);
    assert.equal(diff.body.blocks.length, 1);
    assert.equal(diff.body.blocks[0].label, "persona");
    assert.equal(diff.body.blocks[0].status, "modified");
    assert.equal(diff.body.blocks[0].patch, "+line one\n+line 2");

    const last = await t.get(`/v1/agents/${agent.id}/diff`);
    assert.equal(last.body.to, second.body.commit.id);
    assert.equal(last.body.blocks[0].patch, " line one\n-line two\n+line 2");

    const missing = await t.get(`/v1/agents/${agent.id}/diff?from=deadbeef`);
    assert.equal(missing.status, 404);
  });

  test("POST /revert makes a new commit restoring a revision (201), or nothing when already there (200)", async () => {
    const t = testApp();
    const agent = await t.agent();
    const root = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;
    await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "bad idea" });
    await t.post(`/v1/agents/${agent.id}/blocks`, { label: "extra", value: "x" });
    const head = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;

    const reverted = await t.post(`/v1/agents/${agent.id}/revert`, { to: root, expectedHead: head });
    assert.equal(reverted.status, 201);
    assert.equal(reverted.body.changed, true);
    assert.equal(reverted.body.commit.parentId, head);
    assert.equal(
      reverted.body.commit.treeHash,
      (await t.get(`/v1/agents/${agent.id}/commits/${root}`)).body.treeHash,
    );
    const blocks = await t.get(`/v1/agents/${agent.id}/blocks`);
    assert.deepEqual(
      blocks.body.blocks.map((b: { label: string; value: string }) => [b.label, b.value]),
      [
        ["human", ""],
        ["persona", ""],
      ],
    );

    const again = await t.post(`/v1/agents/${agent.id}/revert`, { to: root });
    assert.equal(again.status, 200);
    assert.equal(again.body.changed, false);

    const state = await t.state(agent.id);
    const stale = await t.post(`/v1/agents/${agent.id}/revert`, { to: head, expectedHead: head });
    assert.equal(stale.status, 409);
    assert.deepEqual(await t.state(agent.id), state);
  });

  test("branches: create, list, write to one, delete (names with '/', encoded or not)", async () => {
    const t = testApp();
    const agent = await t.agent();
    const root = (await t.get(`/v1/agents/${agent.id}/blocks`)).body.commit;

    const created = await t.post(`/v1/agents/${agent.id}/branches`, { name: "exp/a" });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, "exp/a");
    assert.equal(created.body.head, root);
    assert.equal(
      (await t.post(`/v1/agents/${agent.id}/branches`, { name: "exp/b", from: root })).status,
      201,
    );
    assert.equal((await t.post(`/v1/agents/${agent.id}/branches`, { name: "exp/a" })).status, 409);
    const badName = await t.post(`/v1/agents/${agent.id}/branches`, { name: "HEAD" });
    assert.equal(badName.status, 400);
    assert.match(badName.body.error.message, /name: /);

    const onBranch = await t.put(`/v1/agents/${agent.id}/blocks/persona`, {
      value: "trial",
      branch: "exp/a",
    });
    assert.equal(onBranch.body.branch, "exp/a");
    assert.equal((await t.get(`/v1/agents/${agent.id}/blocks/persona`)).body.value, "");
    assert.equal((await t.get(`/v1/agents/${agent.id}/blocks/persona?branch=exp/a`)).body.value, "trial");
    assert.equal((await t.get(`/v1/agents/${agent.id}/commits/exp%2Fa`)).body.id, onBranch.body.commit.id);
    assert.equal((await t.get(`/v1/agents/${agent.id}/commits/exp/a`)).body.id, onBranch.body.commit.id);

    const list = await t.get(`/v1/agents/${agent.id}/branches`);
    assert.deepEqual(list.body.items.map((b: { name: string }) => b.name).sort(), ["exp/a", "exp/b", "main"]);

    assert.equal((await t.del(`/v1/agents/${agent.id}/branches/exp%2Fa`)).status, 204);
    assert.equal((await t.del(`/v1/agents/${agent.id}/branches/exp/b`)).status, 204);
    assert.equal((await t.del(`/v1/agents/${agent.id}/branches/exp/b`)).status, 404);
    const main = await t.del(`/v1/agents/${agent.id}/branches/main`);
    assert.equal(main.status, 400);
    assert.deepEqual(
      (await t.get(`/v1/agents/${agent.id}/branches`)).body.items.map((b: { name: string }) => b.name),
      ["main"],
    );
  });

  test("events: per agent and across agents, filtered by kind, paged", async () => {
    const t = testApp();
    const a = await t.agent({ name: "a" });
    const b = await t.agent({ name: "b" });
    await t.put(`/v1/agents/${a.id}/blocks/persona`, { value: "1" });
    await t.put(`/v1/agents/${a.id}/blocks/persona`, { value: "2" });

    const ofA = await t.get(`/v1/agents/${a.id}/events`);
    assert.equal(ofA.status, 200);
    assert.deepEqual(
      ofA.body.items.map((e: { kind: string }) => e.kind),
      ["agent.created", "blocks.committed", "blocks.committed"],
    );
    assert.ok(ofA.body.items.every((e: { agentId: string }) => e.agentId === a.id));

    const commits = await t.get(`/v1/agents/${a.id}/events?kind=blocks.committed&limit=1`);
    assert.equal(commits.body.items.length, 1);
    const rest = await t.get(
      `/v1/agents/${a.id}/events?kind=blocks.committed&cursor=${commits.body.nextCursor}`,
    );
    assert.equal(rest.body.items.length, 1);
    assert.ok(rest.body.items[0].seq > commits.body.items[0].seq);

    const created = await t.get("/v1/events?kind=agent.created");
    assert.deepEqual(
      created.body.items.map((e: { agentId: string }) => e.agentId),
      [a.id, b.id],
    );
    const ofB = await t.get("/v1/events?agent=b&project=default");
    assert.deepEqual(
      ofB.body.items.map((e: { kind: string }) => e.kind),
      ["agent.created"],
    );
    assert.equal((await t.get("/v1/events?project=nope")).status, 404);
  });

  test("events with order=desc: the latest first, paged back down the log, the client too", async () => {
    const t = testApp();
    const a = await t.agent({ name: "a" });
    for (const value of ["1", "2", "3"]) await t.put(`/v1/agents/${a.id}/blocks/persona`, { value });
    const seqs = (page: { items: { seq: number }[] }) => page.items.map((e) => e.seq);
    const all = seqs((await t.get(`/v1/agents/${a.id}/events`)).body);
    assert.equal(all.length, 4);
    const first = (await t.get(`/v1/agents/${a.id}/events?order=desc&limit=3`)).body;
    assert.deepEqual(seqs(first), all.slice(1).reverse());
    const rest = (await t.get(`/v1/agents/${a.id}/events?order=desc&limit=3&cursor=${first.nextCursor}`))
      .body;
    assert.deepEqual(seqs(rest), all.slice(0, 1));
    assert.equal(rest.nextCursor, null);
    assert.deepEqual(seqs((await t.get("/v1/events?agent=a&order=desc&limit=1")).body), all.slice(-1));
    const bad = await t.get(`/v1/agents/${a.id}/events?order=newest`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /order: must be asc or desc/);
  });

  test("events filtered by actor, alone or with a kind; an unknown actor is 400 naming it", async () => {
    const t = testApp();
    const a = await t.agent({ name: "a" });
    await t.put(`/v1/agents/${a.id}/blocks/persona`, { value: "1" });
    await t.put(`/v1/agents/${a.id}/blocks/persona`, { value: "2", author: "sleeptime" });
    await t.post(`/v1/agents/${a.id}/memories`, { text: "x" });
    const bySleep = await t.get(`/v1/agents/${a.id}/events?actor=sleeptime`);
    assert.deepEqual(
      bySleep.body.items.map((e: { actor: string; kind: string }) => `${e.actor} ${e.kind}`),
      ["sleeptime blocks.committed"],
    );
    const userCommits = await t.get(`/v1/events?agent=a&actor=user&kind=blocks.committed`);
    assert.equal(userCommits.body.items.length, 1);
    const bad = await t.get(`/v1/agents/${a.id}/events?actor=robot`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /actor/);
  });
});
