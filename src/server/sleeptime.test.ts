import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_MODEL_HELP } from "../models/language-model.ts";
import { scriptedModel } from "../sleeptime/test-support.ts";
import { createTestEngram } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

async function facts(t: ReturnType<typeof testApp>, agentId: string) {
  const reply = await t.post(`/v1/agents/${agentId}/memories`, {
    memories: [
      { text: "Ada lives in Paris" },
      { text: "Ada lives in Paris." },
      { text: "Ada lives in Berlin" },
    ],
  });
  assert.equal(reply.status, 201);
  return reply.body.memories as { id: string }[];
}

describe("sleep-time over HTTP", () => {
  it("runs the jobs that can run, reports what each changed, and says what it skipped", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    await facts(t, agent.id);
    const reply = await t.post(`/v1/agents/${agent.id}/sleep`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(
      reply.body.jobs.map((j: { kind: string; status: string }) => `${j.kind}:${j.status}`),
      ["consolidate:succeeded", "forget:succeeded"],
    );
    assert.deepEqual(reply.body.skipped, [
      { kind: "reflect", reason: NO_MODEL_HELP },
      { kind: "rethink", reason: NO_MODEL_HELP },
    ]);
    const [merged] = reply.body.jobs[0].result.changes;
    assert.equal(merged.type, "merged");
    const archived = await t.get(`/v1/agents/${agent.id}/memories?archived=only`);
    assert.deepEqual(
      archived.body.items.map((m: { id: string }) => m.id),
      merged.duplicates,
    );
    assert.ok(archived.body.items[0].archivedAt !== null);
    const job = await t.get(`/v1/agents/${agent.id}/jobs/${reply.body.jobs[0].id}`);
    assert.equal(job.status, 200);
    assert.equal(job.body.checkpoint.eventSeq > 0, true);
  });

  it("fails a job that needs a model with set-up help in the job, not the request", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const reply = await t.post(`/v1/agents/${agent.id}/sleep`, { jobs: ["rethink"] });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.jobs[0].status, "failed");
    assert.deepEqual(reply.body.jobs[0].error, { code: "unavailable", message: NO_MODEL_HELP });
  });

  it("closes a contradicted fact with a model", async () => {
    const model = scriptedModel(() => ({ pairs: [{ pair: 1, relation: "contradiction", reason: "moved" }] }));
    const t = testApp({ engram: createTestEngram({ model }) });
    const agent = await t.agent();
    const [, , berlin] = await facts(t, agent.id);
    const reply = await t.post(`/v1/agents/${agent.id}/sleep`, { jobs: ["consolidate"] });
    assert.equal(reply.body.jobs[0].status, "succeeded");
    const current = await t.get(`/v1/agents/${agent.id}/memories?validAt=2999-01-01T00:00:00Z`);
    assert.deepEqual(
      current.body.items.map((m: { id: string }) => m.id),
      [berlin?.id],
    );
    const events = await t.get(`/v1/agents/${agent.id}/events?kind=sleeptime.completed`);
    assert.equal(events.body.items[0].after.job, reply.body.jobs[0].id);
  });

  it("queues jobs with wait: false, lists and pages them, and keeps them per agent", async () => {
    const engram = createTestEngram();
    const t = testApp({ engram });
    const agent = await t.agent();
    const other = await t.agent({ name: "other" });
    const queued = await t.post(`/v1/agents/${agent.id}/sleep`, {
      wait: false,
      jobs: ["forget", "consolidate"],
    });
    assert.equal(queued.status, 202);
    assert.deepEqual(
      queued.body.jobs.map((j: { status: string }) => j.status),
      ["queued", "queued"],
    );
    const page = await t.get(`/v1/agents/${agent.id}/jobs?limit=1`);
    assert.equal(page.body.items[0].kind, "forget");
    const next = await t.get(`/v1/agents/${agent.id}/jobs?cursor=${page.body.nextCursor}`);
    assert.equal(next.body.items[0].kind, "consolidate");
    await engram.sleeptime.runPending();
    const done = await t.get(`/v1/agents/${agent.id}/jobs?status=succeeded`);
    assert.equal(done.body.items.length, 2);
    const foreign = await t.get(`/v1/agents/${other.id}/jobs/${queued.body.jobs[0].id}`);
    assert.equal(foreign.status, 404);
    assert.equal((await t.get(`/v1/agents/${agent.id}/jobs?status=done`)).status, 400);
  });

  it("refuses bad requests, naming the field, and changes nothing", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/sleep`, { jobs: ["nap"] }), {
      status: 400,
      code: "invalid_input",
      message: /jobs\.0/,
    });
    await refuses(
      t,
      agent.id,
      () => t.post(`/v1/agents/${agent.id}/sleep`, { options: { forget: { threshold: 7 } } }),
      {
        status: 400,
        code: "invalid_input",
        message: /options\.forget\.threshold/,
      },
    );
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/sleep`, { sleepy: true }), {
      status: 400,
      code: "invalid_input",
      message: /sleepy/,
    });
  });

  it("archives and restores a memory", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const [memory] = await facts(t, agent.id);
    const archived = await t.post(`/v1/agents/${agent.id}/memories/${memory?.id}/archive`);
    assert.equal(archived.status, 200);
    assert.ok(archived.body.archivedAt !== null);
    assert.equal((await t.get(`/v1/agents/${agent.id}/memories`)).body.items.length, 2);
    const restored = await t.post(`/v1/agents/${agent.id}/memories/${memory?.id}/restore`);
    assert.equal(restored.body.archivedAt, null);
    assert.equal((await t.get(`/v1/agents/${agent.id}/memories`)).body.items.length, 3);
    assert.equal((await t.post(`/v1/agents/${agent.id}/memories/mem_nope/archive`)).status, 404);
  });
});
