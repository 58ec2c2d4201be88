import assert from "node:assert/strict";
import { afterEach, describe, it, mock } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import { createEngram } from "../engram.ts";
import { ExperienceTable } from "../experience/experience-table.ts";
import { createTestEngram, scriptedModel as scriptedTestModel } from "../test/index.ts";
import { capitalsModel, capitalTasks, scriptedModel } from "./test-models.ts";

/** The learning loop as a demanding user drives it: settings, advice, long episodes, rules, evolution, distillation. */

const step = (observation: string, action: string, reward: number, availableActions = ["a", "b"]) => ({
  observation,
  availableActions,
  action,
  reward,
});

describe("experience settings", () => {
  for (const [name, experience, field] of [
    ["a NaN discount", { gamma: Number.NaN }, "gamma"],
    ["a step size above 1", { updateMode: "const", alpha: 5 }, "alpha"],
    ["a misspelt update mode", { updateMode: "Mean" }, "updateMode"],
    ["a 0-step return", { nStep: 0 }, "nStep"],
    ["an empty memory", { capacity: 0 }, "capacity"],
    ["an unknown setting", { gama: 0.9 }, "gama"],
    ["a similarity that is not a function", { taskSimilarity: 0.5 }, "taskSimilarity"],
  ] as const) {
    it(`refuses ${name} when the engine is created, naming the field`, () => {
      assert.throws(
        () => createEngram({ path: ":memory:", env: {}, experience: experience as never }),
        (error: unknown) =>
          error instanceof InvalidInputError &&
          /invalid experience options/.test(error.message) &&
          error.message.includes(field),
      );
    });
  }

  it("takes valid settings, similarity functions, and fields left undefined as their defaults", async () => {
    const engram = createEngram({
      path: ":memory:",
      env: {},
      experience: { gamma: undefined, nStep: 2, taskSimilarity: (a, b) => (a === b ? 1 : 0) },
    });
    assert.equal(engram.experience.options.gamma, 1);
    assert.equal(engram.experience.options.nStep, 2);
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("o", "a", 1)] });
    assert.equal((await engram.experience.records(agent.id))[0]?.actions[0]?.q, 1);
    await engram.close();
  });
});

describe("advice: exploration rules", () => {
  it("first-untried suggests only untried actions; least-tried falls back to the least tried", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    // In "dark room" both actions were tried and neither paid: a twice, b once.
    for (const s of [step("dark room", "a", 0), step("dark room", "a", -1), step("dark room", "b", 0)])
      await engram.experience.recordEpisode(agent.id, { task: "find the key", steps: [s] });
    const ask = (exploration: "least-tried" | "first-untried" | "none", actions = ["a", "b"]) =>
      engram.experience.advise(agent.id, {
        task: "find the key",
        observation: "dark room",
        availableActions: actions,
        k: 1,
        exploration,
      });
    assert.deepEqual((await ask("least-tried")).items[0]?.encouraged, [
      { action: "b", q: 0, exploratory: true },
    ]);
    assert.deepEqual((await ask("first-untried")).items[0]?.encouraged, []);
    assert.deepEqual((await ask("none")).items[0]?.encouraged, []);
    // With an action never tried there, both rules suggest it.
    for (const rule of ["least-tried", "first-untried"] as const)
      assert.deepEqual((await ask(rule, ["a", "b", "c"])).items[0]?.encouraged, [
        { action: "c", q: 0, exploratory: true },
      ]);
    await engram.close();
  });
});

describe("long episodes", () => {
  afterEach(() => mock.restoreAll());

  it("finishing an episode hands each record the last 20 actions, not the whole trajectory", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const lengths: number[] = [];
    const original = ExperienceTable.prototype.noteHistory;
    mock.method(
      ExperienceTable.prototype,
      "noteHistory",
      function (this: ExperienceTable, ...args: Parameters<ExperienceTable["noteHistory"]>) {
        lengths.push(args[1].length);
        return original.apply(this, args);
      },
    );
    const steps = Array.from({ length: 500 }, (_, i) => step(`room ${i % 7}`, i % 2 === 0 ? "a" : "b", 0));
    await engram.experience.recordEpisode(agent.id, { task: "T", steps });
    assert.equal(lengths.length, 500);
    assert.ok(Math.max(...lengths) <= 20, `a history of ${Math.max(...lengths)} actions was built`);
    const record = (await engram.experience.records(agent.id)).find((r) => r.observation === "room 0");
    // The first visit's history is kept (later ones tie on the return): nothing before the start.
    assert.deepEqual(record?.bestHistory, []);
    const last = (await engram.experience.records(agent.id)).find((r) => r.observation === "room 6");
    assert.deepEqual(last?.bestHistory, ["a", "b", "a", "b", "a", "b"]);
    await engram.close();
  });
});

describe("insight extraction", () => {
  async function agentWithPair(answer: string) {
    const engram = createTestEngram({ model: scriptedTestModel([{ text: answer }]) });
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("o", "a", 1)], success: true });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("o", "b", 0)],
      success: false,
    });
    return { engram, agent };
  }

  it("skips a rule from the model over the rule limit, so the agent still exports and imports", async () => {
    const { engram, agent } = await agentWithPair(`ADD: ${"x".repeat(2500)}\nADD: Try a first.`);
    const result = await engram.insights.extract(agent.id);
    assert.deepEqual(
      result.insights.map((i) => i.text),
      ["Try a first."],
    );
    assert.equal(result.skipped.length, 1);
    assert.match(result.skipped[0]?.reason ?? "", /text: must be at most 2000 characters/);
    const copy = await engram.transfer.import(await engram.transfer.export(agent.id), { newIds: true });
    assert.deepEqual(
      (await engram.insights.list(copy.id)).map((i) => i.text),
      ["Try a first."],
    );
    await engram.close();
  });

  it("records an edit back to a rule's earlier text as an edit, and a repeated edit as agree", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const [rule] = (await engram.insights.apply(agent.id, [{ op: "add", text: "Check the map." }])).insights;
    const id = rule?.id ?? "";
    const back = await engram.insights.apply(agent.id, [
      { op: "edit", id, text: "Check the map twice." },
      { op: "edit", id, text: "Check the map." },
    ]);
    assert.deepEqual(
      back.applied.map((o) => o.op),
      ["edit", "edit"],
    );
    const again = await engram.insights.apply(agent.id, [
      { op: "edit", id, text: "Look both ways." },
      { op: "edit", id, text: "Look both ways." },
    ]);
    assert.deepEqual(
      again.applied.map((o) => o.op),
      ["edit", "agree"],
    );
    await engram.close();
  });
});

describe("evolution: proposals that could never be written", () => {
  it("rejects instructions over the agent's limit, and the run finishes", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "geo", instructions: "Name the capital." });
    const { model } = capitalsModel(`\`\`\`\nAnswer in UPPERCASE. ${"x".repeat(100_001)}\n\`\`\``);
    const { run, report } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 1,
      components: ["instructions"],
      model,
    });
    assert.equal(run.status, "finished");
    const round = report.candidates.find((c) => c.round === 1);
    assert.equal(round?.decision, "rejected");
    assert.match(round?.reason ?? "", /instructions would be 100022 characters, over the limit of 100000/);
    assert.equal((await engram.agents.get(agent.id)).instructions, "Name the capital.");
    await engram.close();
  });

  /** Answers in upper case (as the tasks expect) for France, and for every country once it sees examples. */
  const examplesModel = () =>
    scriptedModel((call) => {
      const country = /capital of (\w+)/.exec(call.user)?.[1] ?? "";
      const city = { France: "Paris", Germany: "Berlin", Peru: "Lima" }[country] ?? "Rome";
      return country === "France" || call.system.includes("Input:") ? city.toUpperCase() : city;
    }).model;

  it("refuses exemplars when the agent's exemplars block is read-only, before recording a run", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "geo",
      blocks: [{ label: "exemplars", value: "Hand-picked examples.", readOnly: true }],
    });
    for (const components of [undefined, ["exemplars"]])
      await assert.rejects(
        engram.evolution.evolve(agent.id, {
          tasks: capitalTasks(),
          rounds: 1,
          exemplars: 2,
          components,
          model: examplesModel(),
        }),
        /exemplars: the agent's "exemplars" block is read-only/,
      );
    assert.equal((await engram.evolution.list(agent.id)).items.length, 0);
    assert.equal((await engram.blocks.get(agent.id, "exemplars")).value, "Hand-picked examples.");
    await engram.close();
  });

  it("rejects exemplars that do not fit their block, and the run finishes", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({
      name: "geo",
      blocks: [{ label: "exemplars", value: "", limit: 20 }],
    });
    const { run, report } = await engram.evolution.evolve(agent.id, {
      tasks: capitalTasks(),
      rounds: 1,
      exemplars: 2,
      components: ["exemplars"],
      model: examplesModel(),
    });
    assert.equal(run.status, "finished");
    const round = report.candidates.find((c) => c.round === 1);
    assert.equal(round?.decision, "rejected");
    assert.match(
      round?.reason ?? "",
      /the exemplars do not fit: block "exemplars" would hold \d+ characters/,
    );
    await engram.close();
  });
});

describe("distillation", () => {
  it("leaves out passed answers that were recorded clipped", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "geo" });
    const long = `PARIS${" (the capital and largest city)".repeat(200)}`;
    const { model } = scriptedModel((call) => {
      const country = /capital of (\w+)/.exec(call.user)?.[1] ?? "";
      return country === "France" ? long : "Rome";
    });
    await engram.evolution.evolve(agent.id, {
      tasks: [
        {
          id: "f",
          input: "What is the capital of France?",
          expected: "PARIS",
          checker: "contains",
          split: "train",
        },
        { id: "i", input: "What is the capital of Italy?", expected: "Rome", split: "validation" },
        { id: "j", input: "What is the capital of Italy, again?", expected: "Rome", split: "test" },
      ],
      rounds: 1,
      gate: "tolerance",
      model,
    });
    const sft = await engram.evolution.distill(agent.id, { format: "sft", sources: ["evolution"] });
    const answers = sft.jsonl
      .trimEnd()
      .split("\n")
      .map(
        (l) => (JSON.parse(l) as { messages: { role: string; content: string }[] }).messages.at(-1)?.content,
      );
    assert.ok(answers.includes("Rome"));
    assert.ok(
      answers.every((a) => !a?.startsWith("PARIS")),
      "a clipped answer is no training target",
    );
    await engram.close();
  });
});
