import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "a"]);
  await s.ok(["agent", "create", "--name", "b"]);
});
afterEach(() => s.cleanup());

describe("engram block create|attach|detach", () => {
  it("shares a block: block set through one agent changes it for every agent it is attached to", async () => {
    const block = await s.ok(["block", "create", "team", "Facts:", "--limit", "300"]);
    assert.match(block.id, /^blk_[0-9a-z]{26}$/);
    assert.equal(block.limit, 300);
    await s.ok(["block", "attach", "a", block.id]);
    const attached = await s.ok(["block", "attach", "b", block.id, "--read-only"]);
    assert.equal(attached.changed, true);
    await s.ok(["block", "set", "a", "team", "Facts: Ada likes tea."]);
    assert.equal((await s.ok(["block", "get", "b", "team"])).value, "Facts: Ada likes tea.");
    const shown = await s.ok(["block", "show", block.id]);
    assert.deepEqual(shown.attachments.map((x: { readOnly: boolean }) => x.readOnly).sort(), [false, true]);
    const edits = await s.ok(["block", "edits", block.id]);
    assert.equal(edits.items.length, 1);
    assert.equal(edits.nextCursor, null);
    const listed = await s.ok(["block", "shared"]);
    assert.deepEqual(
      listed.items.map((x: { id: string }) => x.id),
      [block.id],
    );
    assert.match((await s.cli(["block", "show", block.id])).stdout, /attached to\s+agt_/);
    assert.match((await s.cli(["block", "create", "other", "x"])).stdout, /^blk_[0-9a-z]{26}\n$/);
    // The read-only attachment holds for the agent, not for a user.
    const refused = await s.cli(["block", "set", "b", "team", "x", "--author", "agent", "--json"]);
    assert.equal(refused.code, 1);
    assert.equal(refused.json().error.code, "forbidden");
    assert.equal((await s.cli(["block", "drop", block.id, "--json"])).json().error.code, "conflict");
    await s.ok(["block", "detach", "a", "team"]);
    await s.ok(["block", "set", "a", "team", "private"]);
    assert.equal((await s.ok(["block", "get", "b", "team"])).value, "Facts: Ada likes tea.");
    await s.ok(["block", "detach", "b", "team"]);
    assert.deepEqual(await s.ok(["block", "drop", block.id]), { deleted: block.id });
  });

  it("refuses a missing block and a clashing label with a clear error, changing nothing", async () => {
    const before = await s.ok(["log", "a"]);
    const missing = await s.cli(["block", "attach", "a", "blk_00000000000000000000000000", "--json"]);
    assert.equal(missing.json().error.code, "not_found");
    const clash = await s.ok(["block", "create", "persona", "p"]);
    const refused = await s.cli(["block", "attach", "a", clash.id, "--json"]);
    assert.equal(refused.json().error.code, "conflict");
    assert.match(refused.json().error.message, /already has a block labelled "persona"/);
    assert.deepEqual(await s.ok(["log", "a"]), before);
    const usage = await s.cli(["block", "create", "team", "--json"]);
    assert.equal(usage.code, 2);
  });
});
