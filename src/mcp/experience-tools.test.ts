import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { call, failure, state, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

describe("experience tools", () => {
  it("records episodes and advises from them; lists insights", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    const client = await t.connect("helper");
    const task = "reset a password";
    const observation = "login page";
    for (const [action, reward] of [
      ["click forgot", 1],
      ["call support", -1],
    ] as const) {
      const recorded = await call(client, "episode_record", {
        task,
        steps: [{ observation, availableActions: ["click forgot", "call support"], action, reward }],
        success: reward > 0,
      });
      assert.equal(recorded.episode.steps, 1);
      assert.equal(recorded.episode.totalReward, reward);
    }
    const advice = await call(client, "experience_advice", {
      task,
      observation,
      availableActions: ["click forgot", "call support"],
    });
    assert.equal(advice.items[0].encouraged[0].action, "click forgot");
    assert.equal(advice.items[0].discouraged[0].action, "call support");
    assert.match(advice.text, /click forgot/);

    const before = await state(t.engram, agent.id);
    assert.match(
      await failure(client, "episode_record", {
        task,
        steps: [{ observation, availableActions: ["a"], action: "b", reward: 0 }],
      }),
      /steps\[0\]\.action|steps\.0\.action/,
    );
    assert.match(await failure(client, "episode_record", { task, steps: [] }), /steps/);
    assert.deepEqual(await state(t.engram, agent.id), before);

    assert.deepEqual((await call(client, "insights_list")).insights, []);
    await t.engram.insights.apply(agent.id, [{ op: "add", text: "Try the self-service reset first." }]);
    const { insights } = await call(client, "insights_list");
    assert.deepEqual(
      insights.map((i: { text: string; count: number }) => [i.text, i.count]),
      [["Try the self-service reset first.", 2]],
    );
  });
});
