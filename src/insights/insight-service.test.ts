import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MockLanguageModelV3 } from "ai/test";
import { NotFoundError } from "../core/errors.ts";
import { createTestEngram } from "../test/index.ts";

function textModel(answer: string) {
  return new MockLanguageModelV3({
    doGenerate: async () => ({
      content: [{ type: "text", text: answer }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: {
        inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 5, text: 5, reasoning: undefined },
      },
      warnings: [],
    }),
  });
}

describe("insights", () => {
  it("applies ADD, EDIT, AGREE and REMOVE with ExpeL's counts, ordered by count", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const { insights } = await engram.insights.apply(agent.id, [
      { op: "add", text: "Check the map before moving." },
      { op: "add", text: "Avoid holes." },
    ]);
    assert.deepEqual(
      insights.map((i) => i.count),
      [2, 2],
    );
    const [map, holes] = insights.map((i) => i.id) as [string, string];
    const result = await engram.insights.apply(agent.id, [
      { op: "agree", id: holes },
      { op: "edit", id: map, text: "Check the map before each move." },
      { op: "add", text: "avoid holes" },
      { op: "edit", id: holes, text: "Avoid holes" },
    ]);
    assert.deepEqual(
      result.skipped.map((s) => s.reason),
      ["the rule is already there"],
    );
    assert.deepEqual(result.applied.at(-1), { op: "agree", id: holes });
    assert.deepEqual(
      result.insights.map((i) => [i.text, i.count]),
      [
        ["Avoid holes.", 4],
        ["Check the map before each move.", 3],
      ],
    );
    const removed = await engram.insights.apply(agent.id, [
      { op: "remove", id: map },
      { op: "remove", id: map },
      { op: "remove", id: map },
    ]);
    assert.deepEqual(
      removed.insights.map((i) => i.text),
      ["Avoid holes."],
    );
    const events = (await engram.events.list({ agentId: agent.id, kind: "insights.changed" })).items;
    assert.equal(events.length, 3);
  });

  it("removes three at a time while the list is over capacity", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const adds = Array.from({ length: 21 }, (_, i) => ({ op: "add" as const, text: `rule ${i}` }));
    const { insights } = await engram.insights.apply(agent.id, adds);
    const target = insights[0]?.id as string;
    await engram.insights.apply(agent.id, [
      { op: "agree", id: target },
      { op: "agree", id: target },
    ]);
    const after = await engram.insights.apply(agent.id, [{ op: "remove", id: target }]);
    assert.equal(after.insights.find((i) => i.id === target)?.count, 1);
  });

  it("refuses unknown rules and malformed operations, changing nothing", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.insights.apply(agent.id, [{ op: "add", text: "keep" }]);
    await assert.rejects(
      engram.insights.apply(agent.id, [
        { op: "add", text: "new" },
        { op: "agree", id: "ins_missing" },
      ]),
      NotFoundError,
    );
    await assert.rejects(
      engram.insights.apply(agent.id, [{ op: "add", text: "" }]),
      /text: must not be empty/,
    );
    await assert.rejects(engram.insights.apply(agent.id, [{ op: "shout" } as never]), /insight operation 0/);
    assert.deepEqual(
      (await engram.insights.list(agent.id)).map((i) => i.text),
      ["keep"],
    );
  });

  it("extracts rules by comparing a success and a failure of a task through the model", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.insights.apply(agent.id, [{ op: "add", text: "Move carefully." }]);
    const step = (action: string, reward: number) => ({
      observation: "at start",
      availableActions: ["left", "right"],
      action,
      reward,
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "reach the goal",
      steps: [step("right", 1)],
      success: true,
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "reach the goal",
      steps: [step("left", 0)],
      success: false,
    });
    const model = textModel(
      "ADD: Go right from the start.\nAGREE 1: Move carefully.\nnonsense line\nREMOVE 7: none",
    );
    const result = await engram.insights.extract(agent.id, { model });
    assert.equal(result.pairs, 1);
    assert.deepEqual(
      result.insights.map((i) => [i.text, i.count]),
      [
        ["Move carefully.", 3],
        ["Go right from the start.", 2],
      ],
    );
    const prompt = JSON.stringify(model.doGenerateCalls[0]?.prompt);
    assert.match(prompt, /SUCCESSFUL ATTEMPT/);
    assert.match(prompt, /1\. Move carefully\./);
  });

  it("says how to configure a model when none is", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await assert.rejects(
      engram.insights.extract(agent.id),
      /no language model is configured: set ENGRAM_MODEL/,
    );
  });
});
