import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sandbox } from "./test-harness.ts";

describe("engram events --kind", () => {
  const s = sandbox();
  after(() => s.cleanup());

  it("lists a family's events (memory.*), as --follow does", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const memory = await s.ok(["memory", "add", "helper", "Ada likes tea"]);
    const listed = await s.ok(["events", "helper", "--kind", "memory.*"]);
    assert.deepEqual(
      listed.items.map((e: { kind: string; targetId: string }) => [e.kind, e.targetId]),
      [["memory.created", memory.memory.id]],
    );
    const human = await s.cli(["events", "helper", "--kind", "memory.*"]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /memory\.created/);
  });

  it("refuses a kind that is none, listing the kinds it may mean, with or without --follow", async () => {
    for (const follow of [[], ["--follow"]]) {
      const refused = await s.cli(["events", "helper", ...follow, "--kind", "nosuch.kind", "--json"]);
      assert.equal(refused.code, 1);
      const { error } = refused.json();
      assert.equal(error.code, "invalid_input");
      assert.match(error.message, /kinds?: (0: )?"nosuch.kind" is not an event kind: .*memory\.\*/);
    }
    const human = await s.cli(["events", "helper", "--kind", "memory.create"]);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /did you mean memory\.created\?/);
    assert.doesNotMatch(human.stdout, /no events/);
  });
});
