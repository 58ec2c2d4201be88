import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { reportMarkdown } from "./report.ts";
import {
  capitalsModel,
  capitalTasks,
  exemplarsModel,
  exemplarTasks,
  isReflection,
  scriptedModel,
} from "./test-models.ts";

describe("evolution features", () => {
  it("evolves on environment episodes: the score is the episode's success", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "walker", instructions: "Walk carefully." });
    const rule = "Go down when the way down is frozen, else go right.";
    const { model, calls } = scriptedModel((call) => {
      if (isReflection(call)) return `\`\`\`\nWalk carefully. ${rule}\n\`\`\``;
      if (!call.system.includes(rule)) return "up";
      const frozen = /Observation: [^\n]*Frozen: ([^.]*)\./.exec(call.user)?.[1] ?? "";
      return frozen.includes("down") ? "down" : "right";
    });
    const tasks = ["train", "train", "validation", "test", "test"].map((split, i) => ({
      environment: "frozenlake-4x4",
      seed: i,
      maxSteps: 8,
      split,
    }));
    const { report } = await engram.evolution.evolve(agent.id, {
      tasks,
      rounds: 1,
      components: ["instructions"],
      gate: "tolerance",
      model,
    });
    assert.deepEqual([report.baseline?.heldOut, report.final?.heldOut], [0, 1]);
    assert.equal((await engram.agents.get(agent.id)).instructions, `Walk carefully. ${rule}`);
    const reflection = calls.find(isReflection)?.user ?? "";
    assert.match(reflection, /An episode of the frozenlake-4x4 environment/);
    assert.match(reflection, /ran out of steps \(8\) before reaching the goal; return 0/);
    const [candidates] = [await engram.evolution.candidates(agent.id, report.run.id)];
    const heldOut = candidates[1]?.evaluation.heldOut as { output: string; feedback: string }[];
    assert.match(heldOut[0]?.feedback ?? "", /^correct: reached the goal in 6 steps; return 1$/);
    assert.match(heldOut[0]?.output ?? "", /→ right \(reward 1\)\nreturn: 1$/);
  });

  it("generates training tasks from an objective, kept by self-consistency", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "g", blocks: [{ label: "style", value: "Plain." }] });
    const { model } = scriptedModel((call) => {
      if (isReflection(call)) return "```\nAnswer in UPPERCASE.\n```";
      if (call.user.startsWith("Write 2 new, varied tasks")) {
        return '{"input": "What is the capital of Egypt?"}\n{"input": "What is the capital of Atlantis?"}';
      }
      // Unsure about Atlantis: the sampled answers disagree.
      if (/Atlantis/.test(call.user)) return `Maybe city ${call.seed ?? 0}`;
      return answerLikeCapitals(call.system, call.user);
    });
    const { report, run } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 1,
      components: ["block:style"],
      objective: { text: "Name capital cities.", count: 2, samples: 3 },
      model,
    });
    assert.deepEqual(report.splits.generated, ["generated-1"]);
    const generated = run.state.generated as { input: string; expected: string; split: string }[];
    assert.deepEqual(
      generated.map((t) => [t.input, t.expected, t.split]),
      [["What is the capital of Egypt?", "Cairo", "train"]],
    );
    const dropped = run.state.dropped as { input: string; reason: string }[];
    assert.equal(dropped[0]?.input, "What is the capital of Atlantis?");
    assert.match(dropped[0]?.reason ?? "", /33% agreement/);
    assert.ok(
      !report.splits.validation.includes("generated-1") && !report.splits.test.includes("generated-1"),
    );
  });

  it("takes exemplars from passed training attempts into the exemplars block", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "e" });
    const { model } = exemplarsModel();
    const tasks = exemplarTasks();
    const { report } = await engram.evolution.evolve(agent.id, {
      tasks,
      rounds: 1,
      exemplars: 2,
      components: ["exemplars"],
      model,
    });
    assert.equal(report.candidates[1]?.operation, "exemplars");
    assert.equal(report.candidates[1]?.decision, "accepted");
    const block = await engram.blocks.get(agent.id, "exemplars");
    assert.equal(block.value, "Input: Say YES\nAnswer: YES");
    assert.match(block.description, /Worked examples/);
  });

  it("draws parents from the Pareto front and merges candidates that are each best somewhere", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "m",
      blocks: [
        { label: "a", value: "-" },
        { label: "b", value: "-" },
      ],
    });
    // Rule A solves tA but breaks vB unless rule B is there too: A alone and the seed are incomparable.
    const { model } = scriptedModel((call) => {
      if (isReflection(call)) return call.user.includes('block "a"') ? "A-rule" : "B-rule";
      const a = call.system.includes("A-rule");
      const b = call.system.includes("B-rule");
      if (call.user === "tA") return a ? "yes" : "no";
      if (call.user === "tB") return b ? "yes" : "no";
      if (call.user === "vB") return !a || b ? "yes" : "no";
      return "yes";
    });
    const tasks = [
      { id: "t1", input: "tA", expected: "yes", split: "train" },
      { id: "t2", input: "tB", expected: "yes", split: "train" },
      { id: "vA", input: "tA", expected: "yes", split: "validation" },
      { id: "vB", input: "vB", expected: "yes", split: "validation" },
      { id: "h", input: "h", expected: "yes", split: "test" },
    ];
    const { report } = await engram.evolution.evolve(agent.id, {
      tasks,
      rounds: 3,
      mergeEvery: 3,
      components: ["block:a", "block:b"],
      // The held-out task ties every candidate: the tolerance rule lets ties in, which this test needs.
      gate: "tolerance",
      model,
      seed: 6,
    });
    const [seedCandidate, first, second, merged] = report.candidates;
    // Round 2 drew the seed, best on vB, as its parent, though round 1's child was accepted.
    assert.deepEqual(second?.parents, [seedCandidate?.id]);
    assert.deepEqual([first?.validation, second?.validation], [0.5, 0.5]);
    assert.equal(merged?.operation, "merge");
    assert.deepEqual([...(merged?.parents ?? [])].sort(), [first?.id, second?.id].sort());
    assert.deepEqual([merged?.decision, merged?.validation], ["accepted", 1]);
    assert.equal((await engram.blocks.get(agent.id, "a")).value, "A-rule");
    assert.equal((await engram.blocks.get(agent.id, "b")).value, "B-rule");
  });

  it("reports rounds, decisions and diffs as Markdown", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "g", blocks: [{ label: "style", value: "Plain." }] });
    const { model } = capitalsModel("```\nPlain.\nAnswer in UPPERCASE.\n```");
    const { report } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 2,
      components: ["block:style"],
      model,
    });
    const markdown = reportMarkdown(report);
    assert.match(markdown, new RegExp(`^# Evolution run ${report.run.id}\n`));
    assert.match(
      markdown,
      /- Held-out score: 0 → 1 \(the last accepted candidate: mean of the gate.s 4 draws; the baseline: all 3 held-out tasks\)\n/,
    );
    assert.match(markdown, /- Candidates: 1 accepted, 1 rejected\n/);
    assert.match(markdown, /\| 1 \| `cnd_\w+` \| reflect block:style \| 0 → 1 \| 1 \| 1 \| 0 \| accepted \|/);
    assert.match(markdown, /```diff\n Plain\.\n\+Answer in UPPERCASE\.\n```/);
    assert.match(
      markdown,
      /## Rejected candidates\n\n### Round 2: `cnd_\w+` \(reflect block:style\)\n\nthe parent passed every minibatch task/,
    );
    assert.deepEqual(await engram.evolution.report(agent.id, report.run.id), report);
  });
});

function answerLikeCapitals(system: string, user: string): string {
  const cities: Record<string, string> = { Egypt: "Cairo", France: "Paris" };
  const country = /capital of (\w+)/.exec(user)?.[1] ?? "";
  const city = cities[country] ?? "Somewhere";
  return system.includes("UPPERCASE") ? city.toUpperCase() : city;
}
