import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

describe("POST /v1/agents/{id}/turns/{turnId}/feedback", () => {
  test("turns a turn into an episode; the next similar message carries the advice; once per turn", async () => {
    const model = scriptedModel(() => ({ text: "Paris." }));
    const t = testApp({ engram: createTestEngram({ model }) });
    const agent = await t.agent();
    const other = await t.agent({ name: "other" });
    const turn = await t.post(`/v1/agents/${agent.id}/messages`, {
      content: "what is the capital of france",
    });
    assert.equal(turn.status, 201, JSON.stringify(turn.body));
    const url = `/v1/agents/${agent.id}/turns/${turn.body.turnId}/feedback`;

    await refuses(t, agent.id, () => t.post(url, { reward: "good" }), {
      status: 400,
      code: "invalid_input",
      message: /reward/,
    });
    await refuses(
      t,
      other.id,
      () => t.post(`/v1/agents/${other.id}/turns/${turn.body.turnId}/feedback`, { reward: 1 }),
      { status: 404, code: "not_found", message: /turn trn_\w+ not found/ },
    );

    const given = await t.post(url, { reward: 1, comment: "right" });
    assert.equal(given.status, 201, JSON.stringify(given.body));
    assert.equal(given.body.action, "answer");
    assert.equal(given.body.episode.steps[0].observation, "what is the capital of france");
    assert.equal(given.body.episode.metadata.comment, "right");
    await refuses(t, agent.id, () => t.post(url, { reward: -1 }), {
      status: 409,
      code: "conflict",
      message: /already has feedback/,
    });

    const context = await t.get(
      `/v1/agents/${agent.id}/context?query=${encodeURIComponent("what is the capital of spain")}`,
    );
    assert.equal(context.status, 200, JSON.stringify(context.body));
    assert.match(context.body.advice, /Encouraged:\nanswer -> 1/);
    assert.equal(context.body.sections.advice.items.length, 1);
    assert.deepEqual(t.internalErrors, []);
  });
});
