import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateText } from "ai";
import { createTestEngram } from "../index.ts";
import { createEvolutionSimulator } from "./simulator.ts";

describe("evolution simulator", () => {
  it("knows each context's true accuracy, and the oracle is the best any rule set reaches", () => {
    const sim = createEvolutionSimulator({ seed: 4 });
    const { world } = sim;
    const helpful = world.rules.filter((r) => r.kind === "helpful");
    const harmful = world.rules.filter((r) => r.kind === "harmful");
    const neutral = world.rules.filter((r) => r.kind === "neutral");
    assert.deepEqual([helpful.length, harmful.length, neutral.length, sim.tasks.length], [2, 2, 12, 60]);
    const start = sim.trueAccuracy({ insights: [] });
    const all = sim.trueAccuracy({ insights: helpful.map((r) => r.text) });
    assert.equal(all, sim.oracleAccuracy);
    assert.ok(start < sim.trueAccuracy({ insights: [helpful[0]?.text ?? ""] }));
    assert.ok(sim.trueAccuracy({ insights: [harmful[0]?.text ?? ""] }) < start);
    assert.equal(sim.trueAccuracy({ insights: neutral.map((r) => r.text) }), start);
    // No subset of the rules beats the oracle.
    for (let mask = 0; mask < 16; mask++) {
      const rules = [...helpful, ...harmful].filter((_, i) => (mask >> i) & 1).map((r) => r.text);
      assert.ok(sim.trueAccuracy(rules.join("\n")) <= sim.oracleAccuracy + 1e-12);
    }
  });

  it("samples the student's answers through the AI SDK, as often right as its rules make it", async () => {
    const sim = createEvolutionSimulator({ seed: 2 });
    const task = sim.world.tasks[0];
    assert.ok(task !== undefined);
    const rule = sim.world.rules.find((r) => r.kind === "helpful" && r.skill === task.skill);
    const system = `<insights>\n1. ${rule?.text}\n</insights>`;
    let right = 0;
    const n = 400;
    for (let seed = 0; seed < n; seed++) {
      const { text } = await generateText({ model: sim.student, system, prompt: task.input, seed });
      if (text === task.expected) right++;
    }
    const chance = sim.world.solveChance(task, rule === undefined ? [] : [rule]);
    assert.ok(Math.abs(right / n - chance) < 0.08, `${right}/${n} against ${chance}`);
    // The same seed and prompt give the same answer.
    const once = await generateText({ model: sim.student, system, prompt: task.input, seed: 7 });
    const twice = await generateText({ model: sim.student, system, prompt: task.input, seed: 7 });
    assert.equal(once.text, twice.text);
    assert.equal(sim.calls.student, n + 2);
  });

  it("answers reflection with the rule list plus a rule for a failed skill, helpful with probability p", async () => {
    const helpfulOnly = createEvolutionSimulator({ seed: 1, teacherHelpful: 1 });
    const task = helpfulOnly.world.tasks.find((t) => t.skill === "dates") ?? helpfulOnly.world.tasks[40];
    const prompt = [
      "You improve the learned context of an AI agent: the text it is given before every task.",
      "The current text of the list of rules the agent has learned from experience:",
      "```",
      "Be polite.",
      "```",
      "## Example 1 (failed, score 0)",
      "Task:",
      task?.input ?? "",
    ].join("\n");
    const { text } = await generateText({ model: helpfulOnly.model, prompt, seed: 3 });
    const rules = /```\n([\s\S]*)\n```/.exec(text)?.[1]?.split("\n") ?? [];
    assert.equal(rules[0], "Be polite.");
    const added = helpfulOnly.world.rulesIn(rules.join("\n"));
    assert.deepEqual(
      added.map((r) => [r.kind, r.skill]),
      [["helpful", task?.skill]],
    );
    assert.deepEqual(helpfulOnly.edits, [{ kind: "helpful", rule: added[0]?.text }]);
    const harmfulOnly = createEvolutionSimulator({ seed: 1, teacherHelpful: 0, teacherHarmful: 1 });
    await generateText({ model: harmfulOnly.teacher, prompt, seed: 3 });
    assert.equal(harmfulOnly.edits[0]?.kind, "harmful");
  });

  it("refuses bad options, naming the field", () => {
    assert.throws(
      () => createEvolutionSimulator({ teacherHelpful: 1.5 }),
      /teacherHelpful: must be at most 1/,
    );
    assert.throws(() => createEvolutionSimulator({ skills: 0 }), /skills: must be at least 1/);
  });
});

describe("gates on simulated runs", () => {
  /** One run of the real loop on a world whose teacher only ever proposes harmful edits, from the oracle. */
  async function harmfulRun(gate: "tolerance" | "sequential") {
    const sim = createEvolutionSimulator({ seed: 2, teacherHelpful: 0, teacherHarmful: 1 });
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "student", instructions: "Solve the task." });
    const best = sim.world.rules.filter((r) => r.kind === "helpful");
    await engram.insights.apply(
      agent.id,
      best.map((r) => ({ op: "add" as const, text: r.text })),
    );
    const { run } = await engram.evolution.evolve(agent.id, {
      tasks: sim.tasks,
      rounds: 200,
      seed: 2,
      components: ["insights"],
      maxRollouts: 200,
      model: sim.model,
      gate,
    });
    const candidates = await engram.evolution.candidates(agent.id, run.id);
    const start = sim.trueAccuracy(candidates[0]?.context ?? { insights: [] });
    const accepted = candidates.filter((c) => c.round > 0 && c.decision === "accepted");
    engram.close();
    return { sim, start, accepted, run };
  }

  it("a teacher that only harms gets no change past the sequential gate", async () => {
    const { start, accepted, sim } = await harmfulRun("sequential");
    assert.equal(start, sim.oracleAccuracy);
    assert.deepEqual(accepted, []);
    // It did try: harmful edits were proposed and judged.
    assert.ok(sim.edits.filter((e) => e.kind === "harmful").length > 5);
  });

  it("the tolerance rule lets a truly worse change in on the same seed (its known weakness)", async () => {
    const { start, accepted, sim } = await harmfulRun("tolerance");
    assert.ok(accepted.length > 0);
    for (const c of accepted) assert.ok(sim.trueAccuracy(c.context) < start);
  });
});
