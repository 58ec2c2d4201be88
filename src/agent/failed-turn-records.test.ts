import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APICallError } from "ai";
import { scriptedModel } from "../sleeptime/test-support.ts";
import { createTestEngram } from "../test/index.ts";

const refused = () =>
  new APICallError({
    message: "Incorrect API key",
    url: "http://127.0.0.1/v1/chat/completions",
    requestBodyValues: {},
    statusCode: 401,
    isRetryable: false,
  });

/**
 * An engine whose model refuses the credentials on turns (a 401) and answers sleep-time prompts
 * (extraction and reflection) with nothing to add, recording them; the agent has one failed turn.
 */
async function afterFailedTurn(metadata: Record<string, unknown> = {}) {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    if (prompt.includes("<memory_blocks>")) return refused();
    prompts.push(prompt);
    return prompt.includes("knowledge graph") ? { items: [] } : { insights: [] };
  });
  const engram = createTestEngram({ model, env: {} });
  const agent = await engram.agents.create({ name: "a", metadata });
  await assert.rejects(
    engram.runtime.send(agent.id, { content: "Ada Lovelace plans a trip to Lisbon.", userId: "ada" }),
    /refused the credentials/,
  );
  const log = (await engram.messages.list(agent.id)).items;
  assert.deepEqual(
    log.map((m) => m.role),
    ["user", "system"],
  );
  assert.match(log[1]?.content ?? "", /^The turn failed: .*OPENAI_API_KEY/);
  return { engram, agent, prompts, said: log[0]?.id ?? "", record: log[1]?.id ?? "" };
}

const names = (graph: { entities: { name: string }[] }) => graph.entities.map((e) => e.name).sort();

describe("a failed turn's record is not conversation", () => {
  it("the graph takes no entity from it, as written and when rebuilt", async () => {
    const { engram, agent, record } = await afterFailedTurn();
    const written = await engram.entities.dump(agent.id);
    assert.deepEqual(names(written), ["Ada Lovelace", "Lisbon"]);
    assert.equal(
      written.mentions.some((m) => m.id === record),
      false,
    );
    assert.deepEqual(names(await engram.entities.rebuild(agent.id)), ["Ada Lovelace", "Lisbon"]);
  });

  it("sleep-time reflection is not shown it as a statement", async () => {
    const { engram, agent, prompts } = await afterFailedTurn();
    const [job] = (await engram.sleeptime.run(agent.id, { jobs: ["reflect"] })).jobs;
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(
      (job?.result?.stats as { messages?: number } | undefined)?.messages,
      1,
      "the user's message only",
    );
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", /plans a trip to Lisbon/);
    assert.doesNotMatch(prompts[0] ?? "", /turn failed|API_KEY/);
  });

  it("sleep-time extraction does not send it to the model", async () => {
    const { engram, agent, prompts, said, record } = await afterFailedTurn({
      graph: "model",
      sleeptime: { decideOnWrite: false },
    });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(prompts.length, 1);
    assert.match(prompts[0] ?? "", new RegExp(said));
    assert.doesNotMatch(prompts[0] ?? "", new RegExp(`${record}|turn failed|API_KEY`));
  });
});
