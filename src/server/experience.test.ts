import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

const MISSING_AGENT = "agt_00000000000000000000000000";
const MISSING_EPISODE = "epi_00000000000000000000000000";

function setup() {
  return testApp({ engram: createTestEngram() });
}

const step = (observation: string, action: string, reward: number) => ({
  observation,
  availableActions: ["left", "right"],
  action,
  reward,
});

/** A corridor: right twice reaches the goal. */
const WIN = {
  task: "reach the goal",
  steps: [step("at 0", "right", 0), step("at 1", "right", 1)],
  finalObservation: "at goal",
  success: true,
  metadata: { seed: 1 },
};

describe("episodes", () => {
  test("record a whole episode, list, get", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/episodes`;

    const created = await t.post(base, WIN);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const episode = created.body;
    assert.match(episode.id, /^epi_/);
    assert.equal(episode.agentId, agent.id);
    assert.equal(episode.task, "reach the goal");
    assert.equal(episode.status, "finished");
    assert.equal(episode.totalReward, 1);
    assert.equal(episode.success, true);
    assert.equal(episode.finalObservation, "at goal");
    assert.deepEqual(episode.metadata, { seed: 1 });
    assert.equal(typeof episode.finishedAt, "string");
    assert.deepEqual(
      episode.steps.map((s: { index: number; observation: string; action: string; reward: number }) => [
        s.index,
        s.observation,
        s.action,
        s.reward,
      ]),
      [
        [0, "at 0", "right", 0],
        [1, "at 1", "right", 1],
      ],
    );
    assert.deepEqual(episode.steps[0].availableActions, ["left", "right"]);

    const other = await t.post(base, { task: "another task", steps: [step("x", "left", -1)] });
    assert.equal(other.status, 201);
    assert.equal(other.body.success, null);
    assert.equal(other.body.finalObservation, null);

    const got = await t.get(`${base}/${episode.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, episode);

    const all = await t.get(base);
    assert.equal(all.status, 200);
    assert.deepEqual(Object.keys(all.body).sort(), ["items", "nextCursor"]);
    assert.deepEqual(
      all.body.items.map((e: { id: string }) => e.id),
      [other.body.id, episode.id],
      "newest first",
    );
    assert.deepEqual(all.body.items[1].steps, [], "a list leaves the steps out");
    assert.equal(all.body.items[1].stepCount, 2);
    assert.equal(all.body.nextCursor, null);

    const byTask = await t.get(`${base}?task=${encodeURIComponent("reach the goal")}`);
    assert.deepEqual(
      byTask.body.items.map((e: { id: string }) => e.id),
      [episode.id],
    );

    const first = await t.get(`${base}?limit=1`);
    assert.equal(first.body.items.length, 1);
    assert.equal(typeof first.body.nextCursor, "string");
    const second = await t.get(`${base}?limit=1&cursor=${first.body.nextCursor}`);
    assert.deepEqual(
      second.body.items.map((e: { id: string }) => e.id),
      [episode.id],
    );

    const byName = await t.get(`/v1/agents/helper/episodes/${episode.id}`);
    assert.equal(byName.status, 200, "the agent may be named");
  });

  test("step by step: start, steps, finish", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/episodes`;

    const started = await t.post(base, { task: "reach the goal", metadata: { run: 2 } });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.status, "running");
    assert.deepEqual(started.body.steps, []);
    assert.equal(started.body.finishedAt, null);
    assert.deepEqual(started.body.metadata, { run: 2 });
    const id = started.body.id;

    const one = await t.post(`${base}/${id}/steps`, step("at 0", "right", 0));
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.deepEqual(Object.keys(one.body).sort(), [
      "episodeId",
      "status",
      "step",
      "stepCount",
      "totalReward",
    ]);
    assert.equal(one.body.episodeId, id);
    assert.equal(one.body.stepCount, 1);
    assert.deepEqual(
      [one.body.step.index, one.body.step.observation, one.body.step.action, one.body.step.reward],
      [0, "at 0", "right", 0],
    );
    assert.deepEqual(one.body.step.availableActions, ["left", "right"]);
    assert.equal(typeof one.body.step.createdAt, "string");
    const two = await t.post(`${base}/${id}/steps`, step("at 1", "right", 1));
    assert.equal(two.status, 201);
    assert.equal(two.body.step.index, 1);
    assert.equal(two.body.stepCount, 2);
    assert.equal(two.body.totalReward, 1);
    assert.equal(two.body.status, "running");
    const midway = (await t.get(`${base}/${id}`)).body;
    assert.deepEqual(midway.steps, [one.body.step, two.body.step]);
    assert.equal(midway.status, "running");

    const finished = await t.post(`${base}/${id}/finish`, { finalObservation: "at goal", success: true });
    assert.equal(finished.status, 200, JSON.stringify(finished.body));
    assert.equal(finished.body.status, "finished");
    assert.equal(finished.body.success, true);
    assert.equal(finished.body.finalObservation, "at goal");
    assert.equal(typeof finished.body.finishedAt, "string");
    assert.deepEqual((await t.get(`${base}/${id}`)).body, finished.body);

    // Finishing without a body is allowed too.
    const bare = await t.post(base, { task: "t" });
    const ended = await t.post(`${base}/${bare.body.id}/finish`);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.success, null);
  });

  test("refuses bad episodes and steps, storing nothing", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/episodes`;
    await t.post(base, WIN);
    const running = (await t.post(base, { task: "reach the goal" })).body.id;
    const over = (await t.post(base, { task: "reach the goal" })).body.id;
    await t.post(`${base}/${over}/finish`, {});

    await refuses(t, agent.id, () => t.post(base, { ...WIN, steps: [step("at 0", "jump", 0)] }), {
      status: 400,
      code: "invalid_input",
      message: /steps\.0\.action: must be one of availableActions/,
    });
    await refuses(
      t,
      agent.id,
      () => t.post(base, { ...WIN, steps: [{ ...step("at 0", "right", 0), reward: "1" }] }),
      { status: 400, code: "invalid_input", message: /steps\.0\.reward: must be a finite number/ },
    );
    await refuses(t, agent.id, () => t.post(base, { ...WIN, steps: [] }), {
      status: 400,
      code: "invalid_input",
      message: /steps: must hold at least one step/,
    });
    await refuses(t, agent.id, () => t.post(base, { task: "" }), {
      status: 400,
      code: "invalid_input",
      message: /task: must not be empty/,
    });
    await refuses(t, agent.id, () => t.post(base, { ...WIN, surprise: 1 }), {
      status: 400,
      code: "invalid_input",
      message: /surprise/,
    });
    await refuses(t, agent.id, () => t.post(base, '{"task": "t", "steps": ['), {
      status: 400,
      code: "invalid_input",
      message: /malformed JSON/,
    });
    await refuses(t, agent.id, () => t.post(`${base}/${running}/steps`, step("at 0", "up", 0)), {
      status: 400,
      code: "invalid_input",
      message: /action: must be one of availableActions/,
    });
    await refuses(
      t,
      agent.id,
      () => t.post(`${base}/${running}/steps`, { ...step("at 0", "left", 0), reward: null }),
      { status: 400, code: "invalid_input", message: /reward: must be a finite number/ },
    );
    await refuses(t, agent.id, () => t.post(`${base}/${over}/steps`, step("at 0", "left", 0)), {
      status: 409,
      code: "conflict",
      message: /is over/,
    });
    await refuses(t, agent.id, () => t.post(`${base}/${over}/finish`, {}), {
      status: 409,
      code: "conflict",
    });
    await refuses(t, agent.id, () => t.post(`${base}/${MISSING_EPISODE}/steps`, step("a", "left", 0)), {
      status: 404,
      code: "not_found",
    });
    await refuses(t, agent.id, () => t.post(`${base}/${MISSING_EPISODE}/finish`), {
      status: 404,
      code: "not_found",
    });
    await refuses(t, agent.id, () => t.get(`${base}/${MISSING_EPISODE}`), {
      status: 404,
      code: "not_found",
    });
    await refuses(t, agent.id, () => t.get(`${base}?limit=0`), {
      status: 400,
      code: "invalid_input",
      message: /limit/,
    });
    await refuses(t, agent.id, () => t.post(`/v1/agents/${MISSING_AGENT}/episodes`, WIN), {
      status: 404,
      code: "not_found",
    });
    await refuses(t, agent.id, () => t.get(`/v1/agents/${MISSING_AGENT}/episodes`), {
      status: 404,
      code: "not_found",
    });
  });

  test("another agent's episode is not found", async () => {
    const t = setup();
    const owner = await t.agent({ name: "owner" });
    const stranger = await t.agent({ name: "stranger" });
    const running = (await t.post(`/v1/agents/${owner.id}/episodes`, { task: "t" })).body.id;
    const base = `/v1/agents/${stranger.id}/episodes/${running}`;
    await refuses(t, owner.id, () => t.get(base), { status: 404, code: "not_found" });
    await refuses(t, owner.id, () => t.post(`${base}/steps`, step("a", "left", 0)), {
      status: 404,
      code: "not_found",
    });
    await refuses(t, owner.id, () => t.post(`${base}/finish`), { status: 404, code: "not_found" });
    assert.equal((await t.get(`/v1/agents/${owner.id}/episodes/${running}`)).body.status, "running");
  });
});

describe("experience and advice", () => {
  test("the experience records learned from episodes, and advice drawn from them", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}`;
    assert.deepEqual((await t.get(`${base}/experience`)).body, { items: [], nextCursor: null });

    await t.post(`${base}/episodes`, WIN);
    await t.post(`${base}/episodes`, { task: "reach the goal", steps: [step("at 0", "left", -1)] });

    const records = await t.get(`${base}/experience`);
    assert.equal(records.status, 200);
    assert.deepEqual(Object.keys(records.body), ["items", "nextCursor"]);
    const at0 = records.body.items.find((r: { observation: string }) => r.observation === "at 0");
    assert.match(at0.id, /^exp_/);
    assert.equal(at0.task, "reach the goal");
    assert.equal(at0.visits, 2);
    assert.deepEqual(at0.actions.map((a: { action: string }) => a.action).sort(), ["left", "right"]);

    const advice = await t.post(`${base}/advice`, {
      task: "reach the goal",
      observation: "at 0",
      availableActions: ["left", "right"],
      k: 1,
    });
    assert.equal(advice.status, 200, JSON.stringify(advice.body));
    assert.deepEqual(Object.keys(advice.body).sort(), ["items", "text"]);
    assert.equal(advice.body.items.length, 1);
    const [item] = advice.body.items;
    assert.equal(item.observation, "at 0");
    assert.equal(item.similarity, 1);
    assert.deepEqual(
      item.encouraged.map((e: { action: string }) => e.action),
      ["right"],
    );
    assert.deepEqual(
      item.discouraged.map((d: { action: string }) => d.action),
      ["left"],
    );
    assert.match(advice.body.text, /^Task: reach the goal\nObservation: at 0\nEncouraged:\nright -> /);

    const none = await t.post(`${base}/advice`, {
      task: "reach the goal",
      observation: "at 0",
      exploration: "none",
    });
    assert.equal(none.status, 200);
    assert.equal(none.body.items.length, 2, "k defaults to 3; there are two records");
  });

  test("refuses bad advice requests", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}`;
    await t.post(`${base}/episodes`, WIN);
    const ask = { task: "reach the goal", observation: "at 0" };
    await refuses(t, agent.id, () => t.post(`${base}/advice`, { ...ask, k: 0 }), {
      status: 400,
      code: "invalid_input",
      message: /k:/,
    });
    await refuses(t, agent.id, () => t.post(`${base}/advice`, { ...ask, exploration: "random" }), {
      status: 400,
      code: "invalid_input",
      message: /exploration/,
    });
    await refuses(t, agent.id, () => t.post(`${base}/advice`, { task: "reach the goal" }), {
      status: 400,
      code: "invalid_input",
      message: /observation: required/,
    });
    await refuses(t, agent.id, () => t.post(`/v1/agents/${MISSING_AGENT}/advice`, ask), {
      status: 404,
      code: "not_found",
    });
    await refuses(t, agent.id, () => t.get(`/v1/agents/${MISSING_AGENT}/experience`), {
      status: 404,
      code: "not_found",
    });
  });
});
