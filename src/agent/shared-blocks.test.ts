import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram, scriptedModel } from "../test/index.ts";

const call = (name: string, input: unknown) => ({ toolCalls: [{ name, input }] });

describe("agents sharing a block", () => {
  it("a fact agent A learns into a shared block is in B's next context, and B's log names A's commit", async () => {
    const model = scriptedModel([
      call("memory_append", { label: "team", text: "The customer's name is Ada." }),
      { text: "Noted." },
      { text: "Hello Ada." },
    ]);
    const engram = createTestEngram({ model });
    const a = await engram.agents.create({ name: "a" });
    const b = await engram.agents.create({ name: "b" });
    const block = await engram.sharedBlocks.create({ label: "team", value: "Facts:", limit: 500 });
    await engram.sharedBlocks.attach(a.id, block.id);
    await engram.sharedBlocks.attach(b.id, block.id);

    await engram.runtime.send(a.id, { content: "My name is Ada." });
    const [commitA] = (await engram.history.log(a.id, { limit: 1 })).items;
    assert.equal(commitA?.author, "agent");

    const context = await engram.runtime.context(b.id);
    assert.match(
      context.system,
      /<block label="team"[^>]*>\n<value>\nFacts:\nThe customer's name is Ada\.\n<\/value>/,
    );
    await engram.runtime.send(b.id, { content: "Who am I?" });
    assert.match(String(model.calls[2]?.prompt[0]?.content), /The customer's name is Ada\./);

    const logB = (await engram.history.log(b.id, { limit: 5 })).items;
    const shared = logB.find((c) => c.message.includes("edited through agent a"));
    assert.ok(shared !== undefined, "B's log shows the edit A made");
    assert.equal(shared.author, "agent");
    assert.match(shared.message, new RegExp(`^memory_append\\("team"\\).*\\(${a.id}\\)\\]$`));
    const edits = await engram.sharedBlocks.commits(block.id);
    assert.deepEqual(
      edits.items[0]?.commits.map((c) => c.agentId),
      [a.id, b.id],
    );
    assert.equal(edits.items[0]?.commits[0]?.commitId, commitA?.id);
    assert.equal(edits.items[0]?.commits[1]?.commitId, shared.id);
  });

  it("a read-only attachment makes the agent's edit a tool error, and changes nothing", async () => {
    const model = scriptedModel([call("memory_append", { label: "team", text: "mine" }), { text: "Sorry." }]);
    const engram = createTestEngram({ model });
    const a = await engram.agents.create({ name: "a" });
    const block = await engram.sharedBlocks.create({ label: "team", value: "Facts:" });
    await engram.sharedBlocks.attach(a.id, block.id, { readOnly: true });
    const before = await engram.sharedBlocks.get(block.id);
    const result = await engram.runtime.send(a.id, { content: "remember this" });
    const tool = result.messages.find((m) => m.role === "tool");
    assert.equal(tool?.metadata.isError, true);
    assert.match(tool?.content ?? "", /read-only/);
    assert.deepEqual(await engram.sharedBlocks.get(block.id), before);
  });
});
