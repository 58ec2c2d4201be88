import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MockLanguageModelV3 } from "ai/test";
import { createRandom } from "../environments/random.ts";
import { createTestEngram } from "../test/index.ts";
import { episodicControlPolicy } from "./episodic-control.ts";
import { llmPolicy, parseAction } from "./llm-policy.ts";

const answer = (text: string) =>
  new MockLanguageModelV3({
    doGenerate: async () => ({
      content: [{ type: "text", text }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: {
        inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 1, text: 1, reasoning: undefined },
      },
      warnings: [],
    }),
  });

async function trained() {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "a" });
  const step = (action: string, reward: number) => ({
    observation: "fork in the road",
    availableActions: ["left", "right"],
    action,
    reward,
  });
  await engram.experience.recordEpisode(agent.id, { task: "get home", steps: [step("left", -1)] });
  await engram.experience.recordEpisode(agent.id, { task: "get home", steps: [step("right", 1)] });
  return { engram, agent };
}

describe("policies", () => {
  it("episodic control takes the action with the highest Q, and explores untried ones first", async () => {
    const { engram, agent } = await trained();
    const greedy = episodicControlPolicy(() => engram.experience.table(agent.id), {
      epsilon: 0,
      tryUntried: false,
      random: createRandom(1),
    });
    assert.equal(
      await greedy.act({
        task: "get home",
        observation: "fork in the road",
        availableActions: ["left", "right"],
      }),
      "right",
    );
    const explorer = episodicControlPolicy(() => engram.experience.table(agent.id), {
      epsilon: 0,
      random: createRandom(1),
    });
    assert.equal(
      await explorer.act({
        task: "get home",
        observation: "fork in the road",
        availableActions: ["left", "right", "wait"],
      }),
      "wait",
    );
    // An unseen observation follows the advice of the most similar record.
    assert.equal(
      await greedy.act({
        task: "get home",
        observation: "a fork in the road at night",
        availableActions: ["left", "right"],
      }),
      "right",
    );
  });

  it("the LLM policy prompts with the advice and parses the action it names", async () => {
    const { engram, agent } = await trained();
    const model = answer("I will go right.");
    const policy = llmPolicy({
      model,
      advise: (s) => engram.experience.advise(agent.id, { ...s, availableActions: [...s.availableActions] }),
    });
    const action = await policy.act({
      task: "get home",
      observation: "fork in the road",
      availableActions: ["left", "right"],
    });
    assert.equal(action, "right");
    const prompt = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    assert.match(prompt, /Encouraged:\\nright -> 1/);
    assert.match(prompt, /Discouraged:\\nleft -> -1/);
  });

  it("refuses an answer that names no available action", () => {
    assert.equal(parseAction(" Left. ", ["left", "right"]), "left");
    assert.throws(() => parseAction("fly", ["left", "right"]), /names no available action/);
  });
});
