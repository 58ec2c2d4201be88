import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, EngramError } from "../core/errors.ts";
import { createEngram, type Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { modelTaskRunner, type TaskRunner } from "./task-runner.ts";
import {
  capitalsModel,
  capitalTasks,
  isReflection,
  memorisingModel,
  memoryTasks,
  scriptedModel,
} from "./test-models.ts";

/** Everything of the agent an evolution may change: instructions, block head and values, insights. */
async function agentState(engram: Engram, agentId: string) {
  const agent = await engram.agents.get(agentId);
  const blocks = await engram.blocks.list(agentId);
  const log = await engram.history.log(agentId, { limit: 100 });
  return { agent, blocks, log: log.items.map((c) => c.id), insights: await engram.insights.list(agentId) };
}

async function capitalsAgent(engram: Engram) {
  return engram.agents.create({
    name: "geographer",
    instructions: "Answer with the name of the capital city.",
    blocks: [{ label: "style", value: "Write answers plainly.", description: "how answers are written" }],
  });
}

describe("evolution gate", () => {
  it("commits a candidate that raises the held-out score, authored evolver, with its scores", async () => {
    const engram = createTestEngram();
    const agent = await capitalsAgent(engram);
    const { model, calls } = capitalsModel("```\nWrite answers in UPPERCASE letters.\n```");
    const { run, report } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 1,
      components: ["block:style"],
      gate: "tolerance",
      model,
    });
    assert.equal(run.status, "finished");
    assert.deepEqual([report.baseline?.heldOut, report.final?.heldOut], [0, 1]);
    const [seed, child] = report.candidates;
    assert.equal(seed?.decision, "accepted");
    assert.equal(child?.decision, "accepted");
    assert.deepEqual(child?.minibatch, { parent: 0, child: 1 });
    assert.deepEqual(child?.scores.heldOut, { peru: 1, chile: 1, egypt: 1 });
    assert.equal(child?.baseline, 0);

    const style = await engram.blocks.get(agent.id, "style");
    assert.equal(style.value, "Write answers in UPPERCASE letters.");
    const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.equal(head?.author, "evolver");
    assert.equal(head?.id, child?.commit);
    assert.equal(report.final?.commit, head?.id);
    assert.match(
      head?.message ?? "",
      new RegExp(`^evolve ${run.id} ${child?.id}: held-out 0 → 1, validation 0 → 1$`),
    );
    // The reflection saw the failures with the checker's feedback.
    const reflection = calls.find(isReflection);
    assert.match(reflection?.user ?? "", /expected exactly "PARIS", got "Paris"/);
    assert.match(reflection?.user ?? "", /the memory block "style" \(how answers are written\)/);
    const kinds = (await engram.events.list({ agentId: agent.id, limit: 100 })).items.map((e) => e.kind);
    assert.deepEqual(
      kinds.filter((k) => k.startsWith("evolution.")),
      ["evolution.started", "evolution.accepted", "evolution.finished"],
    );
  });

  it("rejects a candidate that lowers the held-out score and leaves the agent as it was", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "calc", instructions: "Answer with a number." });
    await engram.insights.apply(agent.id, [{ op: "add", text: "Read the question twice." }]);
    const before = await agentState(engram, agent.id);
    // Training and one validation task want 42; the held-out ones want what the agent already answers.
    const tasks = [
      ...["a", "b", "c"].map((id) => ({ id, input: `question ${id}`, expected: "42", split: "train" })),
      { id: "v1", input: "question v1", expected: "42", split: "validation" },
      { id: "v2", input: "seven", expected: "7", split: "validation" },
      { id: "h1", input: "seven", expected: "7", split: "test" },
      { id: "h2", input: "nine", expected: "9", split: "test" },
    ];
    const { model } = scriptedModel((call) => {
      if (isReflection(call)) return "Answer with a number. Always answer 42.";
      if (call.system.includes("Always answer 42")) return "42";
      return call.user === "seven" ? "7" : call.user === "nine" ? "9" : "I am not sure";
    });
    const { report } = await engram.evolution.evolve(agent.id, {
      tasks,
      rounds: 1,
      components: ["instructions"],
      gate: "tolerance",
      model,
    });
    const child = report.candidates[1];
    assert.equal(child?.decision, "rejected");
    assert.deepEqual(child?.minibatch, { parent: 0, child: 1 });
    assert.deepEqual([child?.validation, child?.heldOut, child?.baseline], [0.5, 0, 1]);
    assert.match(child?.reason ?? "", /held-out score would fall from 1 to 0 \(tolerance 0\)/);
    assert.equal(child?.commit, null);
    assert.deepEqual(await agentState(engram, agent.id), before);
    assert.equal(report.final?.candidate, report.candidates[0]?.id);

    // With a tolerance that covers the fall, the same candidate is accepted.
    const tolerant = await engram.evolution.evolve(agent.id, {
      tasks,
      rounds: 1,
      components: ["instructions"],
      tolerance: 1,
      model,
    });
    assert.equal(tolerant.report.candidates[1]?.decision, "accepted");
    assert.equal((await engram.agents.get(agent.id)).instructions, "Answer with a number. Always answer 42.");
    assert.equal(
      (await engram.history.log(agent.id, { limit: 5 })).items[0]?.id,
      before.log[0],
      "no block changed",
    );
  });

  it("rewrites instructions and insight rules, keeping the ones it does not drop", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "g", instructions: "Be helpful." });
    await engram.insights.apply(agent.id, [
      { op: "add", text: "Name the city only." },
      { op: "add", text: "Prefer long answers." },
    ]);
    const { model } = capitalsModel((call) =>
      call.user.includes("Revise one part of it: the list of rules")
        ? "```\n1. Name the city only.\n2. Write the city in UPPERCASE.\n```"
        : "```\nBe helpful.\n```",
    );
    const { report } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 2,
      components: ["instructions", "insights"],
      model,
    });
    assert.deepEqual(
      report.candidates.map((c) => [c.operation, c.component, c.decision]),
      [
        ["seed", null, "accepted"],
        ["reflect", "instructions", "rejected"],
        ["reflect", "insights", "accepted"],
      ],
    );
    assert.equal(report.candidates[1]?.reason, "the proposal changes nothing");
    const rules = (await engram.insights.list(agent.id)).map((r) => r.text).sort();
    assert.deepEqual(rules, ["Name the city only.", "Write the city in UPPERCASE."]);
    const events = (await engram.events.list({ agentId: agent.id, kind: "insights.changed" })).items;
    assert.equal(events.at(-1)?.actor, "evolver");
  });

  it("treats a change to the agent during the run as a conflict, not an overwrite", async () => {
    const engram = createTestEngram();
    const agent = await capitalsAgent(engram);
    const { model } = capitalsModel("```\nWrite answers in UPPERCASE letters.\n```");
    let edited = false;
    const inner = modelTaskRunner(model);
    const runner: TaskRunner = {
      async run(input) {
        // While the child is being scored on held-out tasks, a person edits the block.
        if (
          !edited &&
          input.context.blocks.some((b) => b.value.includes("UPPERCASE")) &&
          /Peru|Chile|Egypt/.test(input.input)
        ) {
          edited = true;
          await engram.blocks.set(agent.id, "style", "Answer in French.");
        }
        return inner.run(input);
      },
    };
    await assert.rejects(
      engram.evolution.evolve(agent.id, {
        tasks: capitalTasks(),
        rounds: 2,
        components: ["block:style"],
        model,
        runner,
      }),
      (error: unknown) => error instanceof ConflictError && /branch "main" moved/.test(error.message),
    );
    assert.equal((await engram.blocks.get(agent.id, "style")).value, "Answer in French.");
    const [run] = (await engram.evolution.list(agent.id)).items;
    assert.equal(run?.status, "stopped");
    const candidates = await engram.evolution.candidates(agent.id, run?.id ?? "");
    assert.equal(candidates[1]?.decision, "rejected");
    assert.match(candidates[1]?.reason ?? "", /^conflict: /);
    await assert.rejects(engram.evolution.resume(agent.id, run?.id ?? "", { model }), ConflictError);
  });

  it("without a model fails with set-up help and records nothing", async () => {
    // No ENGRAM_MODEL from the machine: an empty environment.
    const engram = createEngram({ path: ":memory:", env: {} });
    const agent = await capitalsAgent(engram);
    await assert.rejects(
      engram.evolution.evolve(agent.id, { tasks: capitalTasks(), rounds: 1 }),
      (error: unknown) =>
        EngramError.isInstance(error) && error.code === "unavailable" && /ENGRAM_MODEL/.test(error.message),
    );
    assert.deepEqual((await engram.evolution.list(agent.id)).items, []);
  });
});

describe("sequential gate", () => {
  it("commits a clear gain once shown, recording the estimate, interval, draws and rollouts", async () => {
    const engram = createTestEngram();
    const agent = await capitalsAgent(engram);
    const { model } = capitalsModel("```\nWrite answers in UPPERCASE letters.\n```");
    const { run, report } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 1,
      components: ["block:style"],
      model,
    });
    const child = report.candidates[1];
    assert.equal(child?.decision, "accepted");
    const gate = child?.gate;
    assert.deepEqual(
      [gate?.test, gate?.stop, gate?.risk, gate?.minGain, gate?.budget],
      ["sequential", "accept", 0.2, 0.05, 80],
    );
    // Every draw is a win (the child answers in upper case, the seed does not): 4 draws at risk 0.2.
    assert.deepEqual([gate?.estimate, gate?.draws, gate?.child, gate?.current], [1, 4, 1, 0]);
    assert.ok((gate?.interval[0] ?? 0) > 0 && gate?.interval[1] === 1);
    // Sample 0 of the seed's held-out answers was recorded at the start: only new samples are rollouts.
    assert.ok((gate?.rollouts ?? 0) >= 4 && (gate?.rollouts ?? 0) <= 10);
    assert.match(
      child?.reason ?? "",
      /^the held-out gain is above 0 at risk 0\.2 \(estimate \+1, interval \[/,
    );
    assert.equal(report.run.rollouts, run.state.rollouts);
    assert.deepEqual(child?.rollouts, {
      candidate: (child?.rollouts?.run ?? 0) - 6,
      run: report.run.rollouts,
    });
    const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.match(
      head?.message ?? "",
      /: held-out gain \+1 \(interval 0\.\d+ to 1, 4 draws\), validation 0 → 1$/,
    );
  });

  it("rejects a change with no held-out gain, which the tolerance rule lets in", async () => {
    const tasks = [
      ...["a", "b", "c"].map((id) => ({ id, input: `train ${id}`, expected: "yes", split: "train" })),
      { id: "v", input: "valid", expected: "yes", split: "validation" },
      ...["h1", "h2", "h3"].map((id) => ({ id, input: id, expected: "yes", split: "test" })),
    ];
    // The rule fixes the training tasks only; the held-out ones are right with or without it.
    const { model } = scriptedModel((call) => {
      if (isReflection(call)) return "Say yes to training questions.";
      return call.user.startsWith("train") && !call.system.includes("Say yes") ? "no" : "yes";
    });
    const decide = async (gate: "sequential" | "tolerance") => {
      const engram = createTestEngram();
      const agent = await engram.agents.create({ name: "t", instructions: "Answer." });
      const { report } = await engram.evolution.evolve(agent.id, {
        tasks,
        rounds: 1,
        components: ["instructions"],
        model,
        gate,
      });
      return report.candidates[1];
    };
    const tolerant = await decide("tolerance");
    assert.deepEqual([tolerant?.decision, tolerant?.heldOut, tolerant?.baseline], ["accepted", 1, 1]);
    const sequential = await decide("sequential");
    assert.equal(sequential?.decision, "rejected");
    assert.equal(sequential?.gate?.estimate, 0);
    assert.match(
      sequential?.reason ?? "",
      /below the smallest worth accepting, 0\.05|within the budget of 80 rollouts/,
    );
    assert.ok((sequential?.gate?.rollouts ?? 0) <= 80);
  });

  it("refuses a risk outside (0, 1), a budget too small to decide anything, and a tolerance with it", async () => {
    const engram = createTestEngram();
    const agent = await capitalsAgent(engram);
    const { model, calls } = capitalsModel("```\nUPPERCASE\n```");
    const refuses = (settings: Record<string, unknown>, message: RegExp) =>
      assert.rejects(
        engram.evolution.evolve(agent.id, { tasks: capitalTasks(), rounds: 1, model, ...settings }),
        (error: unknown) =>
          EngramError.isInstance(error) && error.code === "invalid_input" && message.test(error.message),
      );
    await refuses({ risk: 0 }, /risk: must be above 0/);
    await refuses({ risk: 1 }, /risk: must be below 1/);
    await refuses(
      { gateBudget: 3 },
      /gateBudget: 3 rollouts cannot decide anything: at risk 0\.2 accepting takes at least 4 paired draws/,
    );
    await refuses({ gate: "sequential", tolerance: 0.1 }, /tolerance: applies to the tolerance gate only/);
    await refuses({ gate: "coin" }, /gate: must be one of sequential, tolerance/);
    assert.equal(calls.length, 0);
    assert.deepEqual((await engram.evolution.list(agent.id)).items, []);
  });
});

describe("a run's budget of task attempts", () => {
  it("ends the run before a round once maxRollouts attempts were made, and counts them", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "m", instructions: "Answer." });
    const { model, calls } = memorisingModel();
    const { run, report } = await engram.evolution.evolve(agent.id, {
      tasks: memoryTasks(),
      rounds: 50,
      components: ["instructions"],
      maxRollouts: 8,
      model,
    });
    assert.equal(run.status, "finished");
    assert.ok(run.round < 50, `rounds ${run.round}`);
    const answers = calls.filter((c) => !isReflection(c)).length;
    assert.equal(report.run.rollouts, answers);
    // The seed's 4 evaluations, then rounds until 8 are made: the gate spends only what is left, but
    // the last round's minibatch (3 + 3) and a validation (2) may pass the mark.
    assert.ok(answers >= 8 && answers <= 8 + 8, `answers ${answers}`);
    const last = report.candidates.at(-1);
    assert.equal(last?.rollouts?.run, answers);
  });
});
