import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Job } from "../core/types.ts";
import { createTestEngram } from "../test/index.ts";
import { completeAsEarlierRelease, scriptedModel, writeOneLate } from "./test-support.ts";

/** How many items an extraction job read. */
const itemsOf = (job: Job | undefined) => (job?.result?.stats as { items?: number } | undefined)?.items;

/** An engine whose model records the extraction prompts and answers with no relations. */
async function setUp() {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    if (prompt.includes("knowledge graph")) prompts.push(prompt);
    return { items: [] };
  });
  const engram = createTestEngram({ model });
  const metadata = { graph: "model", sleeptime: { decideOnWrite: false } };
  const agent = await engram.agents.create({ name: "a", metadata });
  return { engram, agent, prompts };
}

describe("sleep-time extraction of writes committed late", () => {
  it("extracts from a memory whose write was in flight while a job ran, though its id is older than what the job read", async () => {
    const { engram, agent, prompts } = await setUp();
    const { first, berlin, release } = await writeOneLate(engram, agent.id);
    assert.equal(first?.kind, "extract");
    assert.equal(first?.status, "succeeded", JSON.stringify(first?.error));
    assert.equal(itemsOf(first), 2, "Paris and Berlin: Rome is not committed yet");

    const rome = await release();
    assert.ok(rome.id < berlin.id, "Rome's id was made before Berlin's, its commit came after");
    const [second] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(second?.status, "succeeded", JSON.stringify(second?.error));
    assert.equal(itemsOf(second), 1, "the late memory is read");
    assert.equal(prompts.length, 2);
    assert.match(prompts[1] ?? "", /Ada lives in Rome/);
    assert.doesNotMatch(prompts[1] ?? "", /Paris|Berlin/);

    await engram.sleeptime.enqueue(agent.id, { jobs: ["extract"] });
    const [again] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(itemsOf(again), 0, "nothing is read twice");
    await engram.close();
  });

  it("a job after one that kept memory and message ids as its watermark starts after their writes", async () => {
    const { engram, agent, prompts } = await setUp();
    const paris = await engram.memories.add(agent.id, { text: "Ada lives in Paris.", userId: "ada" });
    const [hello] = await engram.messages.appendMany(agent.id, [
      { role: "user", content: "Hello, I am Ada.", userId: "ada" },
    ]);
    // The queued job as an earlier release finished it: its watermark the last ids it read.
    const watermark = { extractedThrough: { memory: paris.id, message: hello?.id ?? "" } };
    assert.equal(await completeAsEarlierRelease(engram, watermark), "extract");

    await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", userId: "ada" });
    await engram.messages.appendMany(agent.id, [
      { role: "user", content: "I moved to Berlin.", userId: "ada" },
    ]);
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(itemsOf(job), 2, "the new memory and the new message");
    assert.deepEqual(Object.keys((job?.result?.extractedThroughSeq as object | undefined) ?? {}).sort(), [
      "memory",
      "message",
    ]);
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", /Ada lives in Berlin/);
    assert.match(prompts[0] ?? "", /I moved to Berlin/);
    assert.doesNotMatch(prompts[0] ?? "", /Paris|I am Ada/);
    await engram.close();
  });
});
