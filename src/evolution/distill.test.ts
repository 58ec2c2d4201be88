import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { capitalsModel, capitalTasks } from "./test-models.ts";

const step = (observation: string, action: string, reward: number) => ({
  observation,
  availableActions: ["up", "down", "right"],
  action,
  reward,
});

/** An agent with episodes, conversations and an evolution run behind it. */
async function learnedAgent(engram: Engram) {
  const agent = await engram.agents.create({
    name: "tutor",
    instructions: "Answer with the capital.",
    blocks: [{ label: "style", value: "Plain." }],
  });
  await engram.experience.recordEpisode(agent.id, {
    task: "reach the goal",
    steps: [step("at start", "right", 0), step("by the lake", "down", 1)],
    success: true,
  });
  await engram.experience.recordEpisode(agent.id, {
    task: "reach the goal",
    steps: [step("at start", "right", 0), step("by the lake", "up", -1)],
    success: false,
  });
  await engram.experience.recordEpisode(agent.id, { task: "climb", steps: [step("at the foot", "up", 1)] });
  await engram.messages.appendMany(agent.id, [
    { role: "user", content: "Hi", sessionId: "s1" },
    { role: "assistant", content: "Hello!", sessionId: "s1" },
    { role: "assistant", content: "How can I help?", sessionId: "s1" },
    { role: "user", content: "Bye", sessionId: "s1" },
    { role: "system", content: "note", sessionId: "s2" },
    { role: "assistant", content: "Unprompted.", sessionId: "s2" },
  ]);
  const { model } = capitalsModel("```\nWrite answers in UPPERCASE.\n```");
  await engram.evolution.evolve(agent.id, {
    tasks: capitalTasks(),
    rounds: 1,
    components: ["block:style"],
    // Every held-out task is answered once: the counts below do not depend on the gate's draws.
    gate: "tolerance",
    model,
  });
  return agent;
}

const lines = (jsonl: string) =>
  jsonl
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("distillation", () => {
  it("exports SFT chat lines with the learned context as the system prompt", async () => {
    const engram = createTestEngram();
    const agent = await learnedAgent(engram);
    const result = await engram.evolution.distill(agent.id, { format: "sft" });
    assert.match(
      result.system,
      /^<instructions>\nAnswer with the capital\.\n<\/instructions>\n\n<memory_blocks>\n.*\n<block label="style" chars="27\/5000">\n(<description>.*<\/description>\n)?<value>\nWrite answers in UPPERCASE\.\n<\/value>\n<\/block>/,
    );
    assert.deepEqual(result.sources, { episodes: 2, messages: 1, evolution: 9 });
    const examples = lines(result.jsonl);
    assert.equal(examples.length, result.count);
    assert.ok(examples.every((e) => Object.keys(e).join() === "messages" && e.messages[0].role === "system"));
    const system = { role: "system", content: result.system };
    assert.deepEqual(examples[0], {
      messages: [
        system,
        {
          role: "user",
          content: "Task: climb\nObservation: at the foot\nAvailable actions: up, down, right",
        },
        { role: "assistant", content: "up" },
      ],
    });
    assert.deepEqual(examples[1]?.messages.slice(1), [
      {
        role: "user",
        content: "Task: reach the goal\nObservation: at start\nAvailable actions: up, down, right",
      },
      { role: "assistant", content: "right" },
      { role: "user", content: "Observation: by the lake\nAvailable actions: up, down, right" },
      { role: "assistant", content: "down" },
    ]);
    assert.deepEqual(examples[2], {
      messages: [
        system,
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!\n\nHow can I help?" },
      ],
    });
    // Evolution answers that passed their checker: the upper-case ones only.
    const answers = examples.slice(3).map((e) => e.messages[2].content);
    assert.ok(
      answers.every((a: string) => a === a.toUpperCase()),
      answers.join(),
    );
    assert.ok(answers.includes("LIMA"));
  });

  it("exports DPO pairs from a success and a failure of the same task", async () => {
    const engram = createTestEngram();
    const agent = await learnedAgent(engram);
    const result = await engram.evolution.distill(agent.id, { format: "dpo" });
    const examples = lines(result.jsonl);
    assert.deepEqual(result.sources, { episodes: 1, messages: 0, evolution: 9 });
    assert.deepEqual(Object.keys(examples[0] ?? {}), ["input", "preferred_output", "non_preferred_output"]);
    assert.deepEqual(examples[0]?.input.messages.slice(1), [
      {
        role: "user",
        content: "Task: reach the goal\nObservation: at start\nAvailable actions: up, down, right",
      },
      { role: "assistant", content: "right" },
      { role: "user", content: "Observation: by the lake\nAvailable actions: up, down, right" },
    ]);
    assert.deepEqual(examples[0]?.preferred_output, [{ role: "assistant", content: "down" }]);
    assert.deepEqual(examples[0]?.non_preferred_output, [{ role: "assistant", content: "up" }]);
    const paris = examples.find((e) => e.input.messages[1].content === "What is the capital of France?");
    assert.deepEqual(
      [paris?.preferred_output[0].content, paris?.non_preferred_output[0].content],
      ["PARIS", "Paris"],
    );
  });

  it("gives the same bytes for the same database, and honours the sources asked for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-distill-"));
    try {
      const path = join(dir, "a.db");
      const engram = createTestEngram({ path });
      const agent = await learnedAgent(engram);
      const first = await engram.evolution.distill(agent.id, { format: "sft" });
      await engram.close();
      const reopened = createTestEngram({ path, start: Date.UTC(2030, 0, 1) });
      const again = await reopened.evolution.distill(agent.id, { format: "sft" });
      assert.equal(again.jsonl, first.jsonl);
      const only = await reopened.evolution.distill(agent.id, { format: "sft", sources: ["messages"] });
      assert.deepEqual(only.sources, { episodes: 0, messages: 1, evolution: 0 });
      await assert.rejects(
        reopened.evolution.distill(agent.id, { format: "csv" as "sft" }),
        (e: unknown) => e instanceof InvalidInputError && /format: must be sft or dpo/.test(e.message),
      );
      await assert.rejects(
        reopened.evolution.distill(agent.id, { format: "sft", sources: ["tweets" as "messages"] }),
        /sources\.0: must be one of/,
      );
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
