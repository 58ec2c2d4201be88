import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sandbox } from "./test-harness.ts";

/** The acceptance contract, walked in order as a user would (every step with --json). */
describe("the engram tour", () => {
  const s = sandbox();
  const copy = sandbox();
  after(() => {
    s.cleanup();
    copy.cleanup();
  });

  it("creates, learns, inspects, rolls back, branches, forks, exports and imports", async () => {
    const agent = await s.ok(["agent", "create", "--name", "tutor"]);
    assert.match(agent.id, /^agt_/);

    const c1 = await s.ok(["block", "set", "tutor", "human", "Name: Ada."]);
    const c2 = await s.ok([
      "block",
      "set",
      agent.id,
      "human",
      "Name: Ada. Prefers examples.",
      "--expect",
      c1.id,
    ]);
    assert.match(c2.id, /^[0-9a-f]{64}$/);

    const now = await s.ok(["block", "get", "tutor", "human"]);
    assert.deepEqual([now.label, now.value, now.commit], ["human", "Name: Ada. Prefers examples.", c2.id]);
    assert.equal((await s.ok(["block", "get", "tutor", "human", "--at", c1.id])).value, "Name: Ada.");

    const log = (await s.ok(["log", "tutor"])).items;
    assert.deepEqual(
      log.map((c: { id: string }) => c.id),
      [c2.id, c1.id, c1.parentId],
    );
    for (const c of log) for (const key of ["id", "author", "message", "createdAt"]) assert.ok(key in c);

    const diff = await s.ok(["diff", "tutor", c1.id, c2.id]);
    assert.deepEqual(
      diff.blocks.map((b: { label: string; patch: string }) => [b.label, b.patch]),
      [["human", "-Name: Ada.\n+Name: Ada. Prefers examples."]],
    );

    const stale = await s.cli(["block", "set", "tutor", "human", "lost", "--expect", c1.id, "--json"]);
    assert.notEqual(stale.code, 0);
    assert.equal(stale.json().error.code, "conflict");
    assert.deepEqual((await s.ok(["log", "tutor"])).items, log);

    const reverted = await s.ok(["revert", "tutor", c1.id]);
    assert.equal(reverted.parentId, c2.id);
    assert.equal((await s.ok(["block", "get", "tutor", "human"])).value, "Name: Ada.");

    await s.ok(["branch", "create", "tutor", "trial", "--from", c2.id]);
    assert.equal(
      (await s.ok(["block", "get", "tutor", "human", "--branch", "trial"])).value,
      "Name: Ada. Prefers examples.",
    );

    const fork = await s.ok(["fork", "tutor", "--name", "tutor-2", "--at", c2.id]);
    assert.equal((await s.ok(["block", "get", "tutor-2", "human"])).value, "Name: Ada. Prefers examples.");

    const kinds = (await s.ok(["events", "tutor"])).items.map((e: { kind: string }) => e.kind);
    assert.deepEqual(kinds, [
      "agent.created",
      "blocks.committed",
      "blocks.committed",
      "blocks.committed",
      "branch.created",
    ]);
    assert.equal((await s.ok(["events", fork.id])).items[0].kind, "agent.forked");

    const file = join(s.dir, "tutor.json");
    assert.deepEqual(await s.ok(["export", "tutor", "--out", file]), {
      path: file,
      agent: agent.id,
      commits: 4,
      memories: 0,
      messages: 0,
      episodes: 0,
      experienceRecords: 0,
      insights: 0,
    });
    const imported = await copy.ok(["import", file]);
    assert.equal(imported.id, agent.id);
    assert.deepEqual((await copy.ok(["log", "tutor"])).items, (await s.ok(["log", "tutor"])).items);
    const second = await copy.ok(["import", file, "--new-ids"]);
    assert.notEqual(second.id, agent.id);
    assert.deepEqual(await copy.ok(["block", "list", second.id]), await s.ok(["block", "list", "tutor"]));
  });
});
