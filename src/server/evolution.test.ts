import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { capitalsModel, capitalTasks } from "../evolution/test-models.ts";
import { refuses, type TestApp, testApp } from "./test-support.ts";

function appWithModel() {
  const { model } = capitalsModel("```\nWrite answers in UPPERCASE letters.\n```");
  return testApp({ engram: createEngram({ path: ":memory:", model, env: {} }) });
}

async function geographer(t: TestApp) {
  const agent = await t.agent({ name: "geo", blocks: [{ label: "style", value: "Plain." }] });
  return agent;
}

async function settled(t: TestApp, agentId: string, runId: string) {
  for (let i = 0; i < 200; i++) {
    const reply = await t.get(`/v1/agents/${agentId}/evolution-runs/${runId}`);
    if (reply.body.run.status !== "running") return reply;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the run did not end");
}

describe("evolution over HTTP", () => {
  it("starts a run in the background, then shows it with its report", async () => {
    const t = appWithModel();
    const agent = await geographer(t);
    const started = await t.post(`/v1/agents/geo/evolve`, {
      tasks: capitalTasks(),
      rounds: 2,
      seed: 4,
      components: ["block:style"],
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.match(started.body.id, /^evo_/);
    assert.deepEqual([started.body.status, started.body.rounds, started.body.seed], ["running", 2, 4]);
    assert.equal(started.headers.get("location"), `/v1/agents/${agent.id}/evolution-runs/${started.body.id}`);
    const shown = await settled(t, agent.id, started.body.id);
    assert.equal(shown.body.run.status, "finished");
    assert.deepEqual([shown.body.report.baseline.heldOut, shown.body.report.final.heldOut], [0, 1]);
    assert.equal(
      (await t.get(`/v1/agents/${agent.id}/blocks/style`)).body.value,
      "Write answers in UPPERCASE letters.",
    );

    const listed = await t.get(`/v1/agents/${agent.id}/evolution-runs`);
    assert.deepEqual(
      listed.body.items.map((r: { id: string }) => r.id),
      [started.body.id],
    );
    const markdown = await t.app.request(
      `/v1/agents/${agent.id}/evolution-runs/${started.body.id}?format=markdown`,
    );
    assert.equal(markdown.headers.get("content-type"), "text/markdown; charset=utf-8");
    assert.match(await markdown.text(), /^# Evolution run evo_/);
    assert.equal((await t.get(`/v1/agents/${agent.id}/evolution-runs/evo_missing`)).status, 404);
    assert.equal(t.internalErrors.length, 0);
  });

  it("waits for the run with wait: true, and resumes only runs that can go on", async () => {
    const t = appWithModel();
    const agent = await geographer(t);
    const done = await t.post(`/v1/agents/${agent.id}/evolve`, {
      tasks: capitalTasks(),
      rounds: 1,
      components: ["block:style"],
      wait: true,
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.run.status, "finished");
    assert.equal(done.body.report.candidates[1].decision, "accepted");
    // The gate's decision is in the run's JSON: estimate, interval and the task attempts it spent.
    const { gate } = done.body.report.candidates[1];
    assert.deepEqual([gate.test, gate.stop, gate.estimate], ["sequential", "accept", 1]);
    assert.ok(gate.interval[0] > 0 && gate.rollouts >= gate.draws);
    assert.equal(done.body.report.config.gate.risk, 0.2);
    const resumed = await t.post(`/v1/agents/${agent.id}/evolution-runs/${done.body.run.id}/resume`, {});
    assert.equal(resumed.status, 409);
    assert.match(resumed.body.error.message, /has finished/);
  });

  it("refuses bad settings and tasks, naming the field, and changes nothing", async () => {
    const t = appWithModel();
    const agent = await geographer(t);
    const post = (body: unknown) => () => t.post(`/v1/agents/${agent.id}/evolve`, body);
    await refuses(t, agent.id, post({ tasks: capitalTasks() }), {
      status: 400,
      code: "invalid_input",
      message: /rounds/,
    });
    await refuses(t, agent.id, post({ tasks: capitalTasks(), rounds: 1, risk: 1 }), {
      status: 400,
      code: "invalid_input",
      message: /risk: must be below 1/,
    });
    await refuses(t, agent.id, post({ tasks: capitalTasks(), rounds: 1, tolerance: 2 }), {
      status: 400,
      code: "invalid_input",
      message: /tolerance/,
    });
    await refuses(t, agent.id, post({ tasks: [{ input: "x" }], rounds: 1 }), {
      status: 400,
      code: "invalid_input",
      message: /task 0: expected: required/,
    });
    await refuses(t, agent.id, post({ tasks: '{"input": "x", "expected": 1}\nnot json', rounds: 1 }), {
      status: 400,
      code: "invalid_input",
      message: /line 2 of the task set is not valid JSON/,
    });
    await refuses(t, agent.id, post({ tasks: capitalTasks(), rounds: 1, components: ["block:nope"] }), {
      status: 400,
      code: "invalid_input",
      message: /unknown component "block:nope"/,
    });
    const noModel = testApp({ engram: createEngram({ path: ":memory:", env: {} }) });
    const other = await noModel.agent({ name: "x" });
    await refuses(
      noModel,
      other.id,
      () => noModel.post(`/v1/agents/${other.id}/evolve`, { tasks: capitalTasks(), rounds: 1 }),
      {
        status: 503,
        code: "unavailable",
        message: /ENGRAM_MODEL/,
      },
    );
  });

  it("distills SFT and DPO examples", async () => {
    const t = appWithModel();
    const agent = await geographer(t);
    await t.post(`/v1/agents/${agent.id}/evolve`, {
      tasks: capitalTasks(),
      rounds: 1,
      components: ["block:style"],
      gate: "tolerance",
      wait: true,
    });
    const sft = await t.post(`/v1/agents/${agent.id}/distill`, { format: "sft" });
    assert.equal(sft.status, 200);
    assert.deepEqual(sft.body.sources, { episodes: 0, messages: 0, evolution: 9 });
    assert.equal(sft.body.jsonl.split("\n").filter(Boolean).length, 9);
    const dpo = await t.post(`/v1/agents/${agent.id}/distill`, { format: "dpo", sources: ["evolution"] });
    assert.equal(dpo.body.count, 9);
    const bad = await t.post(`/v1/agents/${agent.id}/distill`, { format: "yaml" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /format/);
  });
});
