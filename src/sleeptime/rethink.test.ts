import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { scriptedModel } from "./test-support.ts";

async function agentWithBlocks(engram: Engram) {
  const agent = await engram.agents.create({
    name: "a",
    blocks: [
      { label: "human", value: "Ada lives in Paris.", limit: 60 },
      { label: "persona", value: "A helpful assistant.", readOnly: true },
    ],
  });
  await engram.memories.add(agent.id, { text: "Ada moved to Berlin in March", importance: 0.9 });
  await engram.memories.add(agent.id, { text: "Bob's card number ends in 4242", userId: "bob" });
  await engram.insights.apply(agent.id, [{ op: "add", text: "Answer briefly." }]);
  return agent;
}

describe("sleep-time rethink", () => {
  it("rewrites blocks to integrate what was learned, as one commit authored sleeptime", async () => {
    const prompts: string[] = [];
    const model = scriptedModel((prompt) => {
      prompts.push(prompt);
      return {
        blocks: [{ label: "human", value: "Ada lives in Berlin (since March)." }],
        message: "Ada moved",
      };
    });
    const engram = createTestEngram({ model });
    const agent = await agentWithBlocks(engram);
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["rethink"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.match(prompts[0] ?? "", /Ada moved to Berlin in March/);
    assert.match(prompts[0] ?? "", /Answer briefly/);
    assert.doesNotMatch(prompts[0] ?? "", /### persona/, "read-only blocks are not offered");
    assert.doesNotMatch(prompts[0] ?? "", /4242/, "one end user's memories never reach shared blocks");

    const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.equal(head?.author, "sleeptime");
    assert.match(head?.message ?? "", /^sleeptime rethink: Ada moved/);
    assert.match(head?.message ?? "", new RegExp(`job ${job?.id}`));
    assert.equal(job?.checkpoint?.commitId, head?.id);
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Ada lives in Berlin (since March).");
    const [committed] = (
      await engram.events.list({ agentId: agent.id, kind: "blocks.committed" })
    ).items.slice(-1);
    assert.equal(committed?.actor, "sleeptime");
    assert.equal((committed?.after as { job?: string } | undefined)?.job, job?.id);

    // Nothing new was learned since: the second run asks nothing and commits nothing.
    const [again] = (await engram.sleeptime.run(agent.id, { jobs: ["rethink"] })).jobs;
    assert.match(String(again?.result?.summary), /nothing learned since the last rethink/);
    assert.equal(prompts.length, 1);
    assert.equal((await engram.history.log(agent.id, { limit: 1 })).items[0]?.id, head?.id);
  });

  it("shows a memory consolidation merged as merged, and one archived otherwise as forgotten", async () => {
    const prompts: string[] = [];
    const model = scriptedModel((prompt) => {
      if (!prompt.includes("You maintain the memory blocks")) return { pairs: [] };
      prompts.push(prompt);
      return { blocks: [], message: "nothing new" };
    });
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a", blocks: [{ label: "human", value: "" }] });
    await engram.memories.addMany(agent.id, [
      { text: "Ada lives in Paris." },
      { text: "ada lives in paris" },
      { text: "Ada once liked opera." },
    ]);
    const opera = (await engram.memories.list(agent.id)).items.find((m) => m.text.includes("opera"));
    await engram.memories.archive(agent.id, opera?.id ?? "");
    const [merging] = (await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] })).jobs;
    assert.match(String(merging?.result?.summary), /merged 1 near-duplicate memory/);
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["rethink"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    const learned = (prompts[0] ?? "").split("LEARNED")[1] ?? "";
    assert.match(learned, /lives in paris\.? \(merged into another memory: the same thing said again\)/i);
    assert.match(learned, /Ada once liked opera\. \(forgotten\)/);
    assert.doesNotMatch(learned, /paris\.? \(forgotten\)/i);
  });

  it("a rewrite of a shared block reaches every agent it is attached to", async () => {
    const model = scriptedModel(() => ({
      blocks: [{ label: "team", value: "Ada lives in Berlin." }],
      message: "Ada moved",
    }));
    const engram = createTestEngram({ model });
    const agent = await agentWithBlocks(engram);
    const peer = await engram.agents.create({ name: "peer" });
    const block = await engram.sharedBlocks.create({ label: "team", value: "Ada lives in Paris." });
    await engram.sharedBlocks.attach(agent.id, block.id);
    await engram.sharedBlocks.attach(peer.id, block.id);
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["rethink"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal((await engram.blocks.get(peer.id, "team")).value, "Ada lives in Berlin.");
    const [head] = (await engram.history.log(peer.id, { limit: 1 })).items;
    assert.equal(head?.author, "sleeptime");
    assert.match(head?.message ?? "", /edited through agent a/);
    assert.equal((await engram.sharedBlocks.commits(block.id)).items[0]?.author, "sleeptime");
  });

  it("refuses a rewrite over a block's limit or of a read-only block, committing nothing", async () => {
    const answers = [
      { blocks: [{ label: "human", value: "x".repeat(61) }] },
      { blocks: [{ label: "persona", value: "A pirate." }] },
    ];
    for (const answer of answers) {
      const engram = createTestEngram({
        model: scriptedModel(() => answer),
        sleeptime: { queue: { maxAttempts: 1 } },
      });
      const agent = await agentWithBlocks(engram);
      const before = await engram.history.log(agent.id, { limit: 5 });
      const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["rethink"] })).jobs;
      assert.equal(job?.status, "failed");
      assert.match(
        job?.error?.message ?? "",
        answer.blocks[0]?.label === "human"
          ? /block "human" would hold 61 characters, over its limit of 60/
          : /block "persona" is not one of the writable blocks \(human\)/,
      );
      assert.deepEqual(await engram.history.log(agent.id, { limit: 5 }), before);
    }
  });
});
