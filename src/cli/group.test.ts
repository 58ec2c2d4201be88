import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { type CliSandbox, modelEnv, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram group", () => {
  it("create, show and send: a supervisor routes to its worker and prints the answer", async () => {
    const ask = { agent: "adder", message: "19 + 23?" };
    const server = await startFakeChatServer([
      { toolCalls: [{ name: "send_message_to_agent_and_wait", arguments: JSON.stringify(ask) }] },
      { text: "42" },
      { text: "The sum is 42." },
    ]);
    try {
      const env = modelEnv(server.url);
      await s.ok(["agent", "create", "--name", "lead"]);
      const adder = await s.ok(["agent", "create", "--name", "adder"]);
      const group = await s.ok([
        "group",
        "create",
        "desk",
        "--pattern",
        "supervisor",
        "--manager",
        "lead",
        "--member",
        "adder:reactive",
      ]);
      assert.match(group.id, /^grp_/);
      assert.deepEqual(group.members, [{ agentId: adder.id, responder: "reactive" }]);
      const shown = await s.cli(["group", "show", group.id]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /manager\s+lead/);
      assert.match(shown.stdout, /members\s+adder \(reactive\)/);
      const sent = await s.cli(["group", "send", group.id, "Add 19 and 23"], { env });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stdout, "The sum is 42.\n");
      const log = await s.ok(["messages", "list", "adder"]);
      assert.equal(log.items[0].name, "lead");
      const listed = await s.ok(["group", "list"]);
      assert.deepEqual(
        listed.items.map((g: { id: string }) => g.id),
        [group.id],
      );
    } finally {
      await server.close();
    }
  });

  it("a round-robin group prints each turn after its speaker's name", async () => {
    const server = await startFakeChatServer([{ text: "yes" }, { text: "no" }]);
    try {
      await s.ok(["agent", "create", "--name", "a"]);
      await s.ok(["agent", "create", "--name", "b"]);
      const group = await s.ok([
        "group",
        "create",
        "pair",
        "--pattern",
        "round-robin",
        "--member",
        "a",
        "--member",
        "b",
      ]);
      const sent = await s.cli(["group", "send", group.id, "-"], {
        env: modelEnv(server.url),
        stdin: "Shall we?",
      });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stdout, "a: yes\nb: no\n");
      await s.ok(["group", "delete", group.id]);
      const gone = await s.cli(["group", "show", group.id, "--json"]);
      assert.equal(gone.code, 1);
      assert.equal(gone.json().error.code, "not_found");
    } finally {
      await server.close();
    }
  });

  it("refuses a group with no members or a member of another project, naming it, and writes nothing", async () => {
    await s.ok(["agent", "create", "--name", "lead"]);
    await s.ok(["project", "create", "other"]);
    await s.ok(["agent", "create", "--name", "spy", "--project", "other"]);
    const none = await s.cli([
      "group",
      "create",
      "g",
      "--pattern",
      "supervisor",
      "--manager",
      "lead",
      "--json",
    ]);
    assert.equal(none.code, 1);
    assert.match(none.json().error.message, /members: must name at least one agent/);
    const foreign = await s.cli([
      "group",
      "create",
      "g",
      "--pattern",
      "supervisor",
      "--manager",
      "lead",
      "--member",
      "spy",
      "--json",
    ]);
    assert.equal(foreign.code, 1);
    assert.equal(foreign.json().error.code, "not_found");
    assert.match(foreign.json().error.message, /members\.0: no agent "spy" in project default/);
    assert.deepEqual((await s.ok(["group", "list"])).items, []);
  });
});
