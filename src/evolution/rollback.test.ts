import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MockLanguageModelV3 } from "ai/test";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { capitalsModel, capitalTasks, exemplarsModel, exemplarTasks } from "./test-models.ts";

/** Everything of the agent a run may change, and its commit log. */
async function learned(engram: Engram, agentId: string) {
  const agent = await engram.agents.get(agentId);
  const blocks = (await engram.blocks.list(agentId)).blocks.map((b) => [b.label, b.value]);
  const rules = (await engram.insights.list(agentId)).map((r) => r.text).sort();
  return { instructions: agent.instructions, blocks, rules };
}

async function evolvedAgent() {
  const engram = createTestEngram();
  const agent = await engram.agents.create({
    name: "geographer",
    instructions: "Answer with the name of the capital city.",
    blocks: [{ label: "style", value: "Write answers plainly.", description: "how answers are written" }],
  });
  await engram.insights.apply(agent.id, [{ op: "add", text: "Name the city only" }]);
  const before = await learned(engram, agent.id);
  const { model } = capitalsModel("```\nWrite answers in UPPERCASE letters.\n```");
  const { run, report } = await engram.evolution.evolve(agent.id, {
    tasks: capitalTasks(),
    rounds: 1,
    components: ["block:style"],
    gate: "tolerance",
    model,
  });
  assert.equal(report.candidates[1]?.decision, "accepted");
  return { engram, agent, run, before };
}

describe("rolling an evolution run back", () => {
  it("puts the learned context back as the run found it, in one commit authored user, with an event", async () => {
    const { engram, agent, run, before } = await evolvedAgent();
    assert.notDeepEqual(await learned(engram, agent.id), before);
    const result = await engram.evolution.rollback(agent.id, run.id);
    assert.equal(result.changed, true);
    assert.equal(result.candidates.length, 1);
    assert.deepEqual(await learned(engram, agent.id), before);
    const [head, evolved] = (await engram.history.log(agent.id, { limit: 2 })).items;
    assert.equal(head?.id, result.commitId);
    assert.equal(head?.author, "user");
    assert.match(head?.message ?? "", new RegExp(`^roll back evolve ${run.id}`));
    assert.equal(evolved?.author, "evolver");
    const events = (await engram.events.list({ agentId: agent.id, newestFirst: true, limit: 1 })).items;
    assert.equal(events[0]?.kind, "evolution.rolled_back");
    assert.equal(events[0]?.actor, "user");
    // Once undone, there is nothing left to undo.
    assert.deepEqual(await engram.evolution.rollback(agent.id, run.id), {
      changed: false,
      commitId: null,
      candidates: result.candidates,
    });
  });

  it("does not roll back over a change made since, naming it, and changes nothing", async () => {
    const { engram, agent, run } = await evolvedAgent();
    await engram.agents.update(agent.id, { instructions: "Answer briefly." });
    const now = await learned(engram, agent.id);
    await assert.rejects(engram.evolution.rollback(agent.id, run.id), {
      code: "conflict",
      message: /the agent changed since evolution run \S+ last accepted a candidate \(instructions\)/,
    });
    assert.deepEqual(await learned(engram, agent.id), now);
    await assert.rejects(engram.evolution.rollback(agent.id, "evo_00000000000000000000000000"), {
      code: "not_found",
    });
  });

  it("removes a block the run added (exemplars), and refuses while the run is running", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "e" });
    const labels = async () => (await engram.blocks.list(agent.id)).blocks.map((b) => b.label);
    const before = await labels();
    const { model } = exemplarsModel();
    const tasks = exemplarTasks();
    // The model answers once the test has tried to roll the run back: the run is running until then.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = new MockLanguageModelV3({
      doGenerate: async (options) => {
        await held;
        return model.doGenerate(options);
      },
    });
    const { run, done } = await engram.evolution.start(agent.id, {
      tasks,
      rounds: 1,
      exemplars: 2,
      components: ["exemplars"],
      model: gated,
    });
    await assert.rejects(engram.evolution.rollback(agent.id, run.id), {
      code: "conflict",
      message: /is running/,
    });
    release();
    await done;
    assert.ok((await labels()).includes("exemplars"));
    assert.ok(!before.includes("exemplars"));
    assert.equal((await engram.evolution.rollback(agent.id, run.id)).changed, true);
    assert.deepEqual(await labels(), before);
  });
});
