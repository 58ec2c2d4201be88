import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { createTestEngram, type ScriptedModel, type ScriptStep, scriptedModel } from "../test/index.ts";

/** A model that answers, or first saves to memory when the message asks it to remember something. */
function helperModel(): ScriptedModel {
  return scriptedModel((_, options) => {
    const last = options.prompt.at(-1);
    const text = JSON.stringify(last?.content ?? "");
    const step: ScriptStep =
      last?.role === "user" && text.includes("remember")
        ? { toolCalls: [{ name: "memory_append", input: { label: "human", text: "a note" } }] }
        : { text: "Done." };
    return step;
  });
}

/** The text of the last user message the model was sent. */
function lastPrompt(model: ScriptedModel): string {
  const call = model.calls.at(-1);
  const user = call?.prompt.filter((m) => m.role === "user").at(-1);
  return JSON.stringify(user?.content ?? "");
}

describe("feedback on turns", () => {
  let engram: Engram;
  let model: ScriptedModel;
  before(() => {
    model = helperModel();
    engram = createTestEngram({ model });
  });
  after(() => engram.close());

  it("after negative feedback on a tool call, the next similar message carries advice discouraging it", async () => {
    const agent = await engram.agents.create({ name: "noter" });
    const turn = await engram.runtime.send(agent.id, {
      content: "please remember my favourite colour is blue",
    });
    const feedback = await engram.feedback.give(agent.id, turn.turnId, {
      reward: -1,
      comment: "do not store colours",
    });
    assert.equal(feedback.action, "tool:memory_append");
    assert.equal(feedback.episode.task, "answer the user's message");
    assert.equal(feedback.episode.steps[0]?.observation, "please remember my favourite colour is blue");
    assert.ok(feedback.episode.steps[0]?.availableActions.includes("answer"));
    assert.equal(feedback.episode.metadata.comment, "do not store colours");
    assert.equal(feedback.episode.success, false);

    await engram.runtime.send(agent.id, { content: "please remember my favourite colour is green" });
    const prompt = lastPromptBeforeTools(model);
    assert.match(prompt, /<action_advice>/);
    assert.match(prompt, /Discouraged:\\ntool:memory_append -> -1/);
    assert.doesNotMatch(prompt, /blue/, "the advice must not carry the earlier message's words");
  });

  it("after positive feedback on an answer, the next similar message carries advice encouraging it", async () => {
    const agent = await engram.agents.create({ name: "answerer" });
    const turn = await engram.runtime.send(agent.id, { content: "what is the capital of france" });
    await engram.feedback.give(agent.id, turn.turnId, { reward: 1 });
    await engram.runtime.send(agent.id, { content: "what is the capital of spain" });
    assert.match(lastPrompt(model), /Encouraged:\\nanswer -> 1/);
    const context = await engram.runtime.context(agent.id, { query: "what is the capital of italy" });
    assert.equal(context.sections.advice.items[0]?.encouraged[0]?.action, "answer");
    assert.ok(context.sections.advice.tokens > 0);
    // An unrelated message gets no advice.
    const unrelated = await engram.runtime.context(agent.id, { query: "tell me a joke about cats" });
    assert.equal(unrelated.advice, "");
    // Nor does another agent, with no experience of its own.
    const other = await engram.agents.create({ name: "fresh" });
    const fresh = await engram.runtime.context(other.id, { query: "what is the capital of italy" });
    assert.equal(fresh.advice, "");
  });

  it("turns advice off with adviceResults 0", async () => {
    const agent = await engram.agents.create({
      name: "no-advice",
      metadata: { runtime: { adviceResults: 0 } },
    });
    const turn = await engram.runtime.send(agent.id, { content: "what is the capital of peru" });
    await engram.feedback.give(agent.id, turn.turnId, { reward: 1 });
    const context = await engram.runtime.context(agent.id, { query: "what is the capital of chile" });
    assert.equal(context.advice, "");
    assert.equal(context.sections.advice.items.length, 0);
  });

  it("refuses feedback twice for one turn (409), another agent's turn (404) and a bad reward, writing nothing", async () => {
    const agent = await engram.agents.create({ name: "strict" });
    const other = await engram.agents.create({ name: "other" });
    const turn = await engram.runtime.send(agent.id, { content: "hello there" });
    await assert.rejects(
      engram.feedback.give(other.id, turn.turnId, { reward: 1 }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "not_found");
        assert.match(e.message, new RegExp(turn.turnId));
        return true;
      },
    );
    for (const [input, field] of [
      [{ reward: 2 }, /reward: must be at most 1/],
      [{ reward: Number.NaN }, /reward/],
      [{ reward: 1, comment: "" }, /comment: must not be empty/],
      [{ reward: 1, extra: true }, /extra/],
    ] as const) {
      await assert.rejects(
        // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input.
        engram.feedback.give(agent.id, turn.turnId, input as any),
        (e: Error & { code?: string }) => e.code === "invalid_input" && field.test(e.message),
      );
    }
    assert.equal((await engram.experience.listEpisodes(agent.id)).items.length, 0);
    await engram.feedback.give(agent.id, turn.turnId, { reward: 0.5 });
    await assert.rejects(
      engram.feedback.give(agent.id, turn.turnId, { reward: -1 }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "conflict");
        assert.match(e.message, /already has feedback/);
        return true;
      },
    );
    const episodes = await engram.experience.listEpisodes(agent.id);
    assert.equal(episodes.items.length, 1);
    assert.equal(episodes.items[0]?.totalReward, 0.5);
    await assert.rejects(engram.feedback.give(agent.id, "trn_nonesuch", { reward: 1 }), /not found/);
  });
});

/** The user message of the turn's first model call (the one before any tool ran). */
function lastPromptBeforeTools(model: ScriptedModel): string {
  for (let i = model.calls.length - 1; i >= 0; i--) {
    const prompt = model.calls[i]?.prompt ?? [];
    if (prompt.at(-1)?.role === "user") return JSON.stringify(prompt.at(-1)?.content ?? "");
  }
  return "";
}
