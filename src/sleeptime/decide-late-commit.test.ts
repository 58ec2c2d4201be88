import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Job } from "../core/types.ts";
import { createTestEngram } from "../test/index.ts";
import { completeAsEarlierRelease, scriptedModel, writeOneLate } from "./test-support.ts";

/** How many facts a decision job took. */
const factsOf = (job: Job | undefined) => (job?.result?.stats as { facts?: number } | undefined)?.facts;

/** An engine whose model records the decision prompts and decides nothing. */
async function setUp() {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    prompts.push(prompt);
    return { facts: [] };
  });
  const engram = createTestEngram({ model });
  const agent = await engram.agents.create({ name: "a" });
  return { engram, agent, prompts };
}

describe("sleep-time decision on facts committed late", () => {
  it("decides a fact whose write was in flight while a job ran, though its id is older than what the job decided", async () => {
    const { engram, agent, prompts } = await setUp();
    const { first, berlin, release } = await writeOneLate(engram, agent.id);
    assert.equal(first?.status, "succeeded", JSON.stringify(first?.error));
    assert.equal(factsOf(first), 2, "Paris and Berlin: Rome is not committed yet");

    const rome = await release();
    assert.ok(rome.id < berlin.id, "Rome's id was made before Berlin's, its commit came after");
    const [second] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(second?.status, "succeeded", JSON.stringify(second?.error));
    assert.equal(factsOf(second), 1, "the late fact is decided");
    assert.equal(prompts.length, 2);
    assert.match(prompts[1] ?? "", /Fact 1: .*Ada lives in Rome/);
    assert.doesNotMatch(prompts[1] ?? "", /Fact 2/);
    assert.match(prompts[1] ?? "", /Ada lives in Berlin/, "compared with the fact committed before it");

    const [third] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(third, undefined, "nothing queued is left");
    await engram.sleeptime.enqueue(agent.id, { jobs: ["decide"] });
    const [again] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(factsOf(again), 0, "no fact is decided twice");
    await engram.close();
  });

  it("a job after one that kept a memory id as its watermark starts after that memory's creation", async () => {
    const { engram, agent, prompts } = await setUp();
    await engram.memories.add(agent.id, { text: "Ada lives in Oslo.", userId: "ada" });
    const paris = await engram.memories.add(agent.id, { text: "Ada lives in Paris.", userId: "ada" });
    // The queued job as an earlier release finished it: its watermark the last fact it decided.
    assert.equal(await completeAsEarlierRelease(engram, { decidedThrough: paris.id }), "decide");

    await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", userId: "ada" });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(factsOf(job), 1, "Berlin alone");
    assert.equal(typeof job?.result?.decidedThroughSeq, "number");
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", /Fact 1: .*Ada lives in Berlin.*1\. .*Ada lives in (Paris|Oslo)/);
    assert.doesNotMatch(prompts[0] ?? "", /Fact 2/);
    await engram.close();
  });
});
