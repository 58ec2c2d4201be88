import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { APICallError } from "@ai-sdk/provider";
import { ConflictError, EngramError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import type { Engram } from "../engram.ts";
import { testApp } from "../server/test-support.ts";
import { formatDatabaseLocation, parseDatabaseLocation } from "../store/database-location.ts";
import { freshSchemaName } from "../store/postgres/test-server.ts";
import { castModel, createTestEngram, type RoleScript, type ScriptedModel } from "../test/index.ts";
import { runLeaseName } from "./group-run-lease.ts";

const boom = () => ({
  error: new APICallError({ message: "boom", url: "http://x", requestBodyValues: {}, statusCode: 400 }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls of a role's model that wait until the gate opens, and a promise of the first such call. */
interface Gate {
  open(): void;
  readonly asked: Promise<void>;
}

/**
 * A cast model whose `gated` role's calls, after its first `skip`, wait until its gate opens, and a
 * count of each role's calls (gated or not).
 */
function gatedCast(roles: Record<string, RoleScript>, gated?: string, skip = 0) {
  const calls: Record<string, number> = Object.fromEntries(Object.keys(roles).map((r) => [r, 0]));
  const inner = castModel(roles);
  let open = () => {};
  let ask = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const asked = new Promise<void>((resolve) => {
    ask = resolve;
  });
  const roleOf = (options: LanguageModelV3CallOptions) => {
    const system = options.prompt.find((m) => m.role === "system")?.content ?? "";
    return Object.keys(roles).find((role) => system.includes(`[${role}]`));
  };
  const hold = async (options: LanguageModelV3CallOptions) => {
    const role = roleOf(options);
    if (role !== undefined) calls[role] = (calls[role] ?? 0) + 1;
    if (role !== undefined && role === gated && (calls[role] ?? 0) > skip) {
      ask();
      await opened;
    }
  };
  const model: ScriptedModel = {
    ...inner,
    doGenerate: async (options) => {
      await hold(options);
      return inner.doGenerate(options);
    },
    doStream: async (options) => {
      await hold(options);
      return inner.doStream(options);
    },
  };
  const gate: Gate = { open, asked };
  return { model, calls, gate };
}

/** The run a group's turns belong to, told as soon as its first turn starts. */
function watchRuns(engram: Engram): string[] {
  const runs: string[] = [];
  const send = engram.runtime.send.bind(engram.runtime);
  engram.runtime.send = (agentId, input, options = {}) => {
    if (options.group !== undefined && !runs.includes(options.group.runId)) runs.push(options.group.runId);
    return send(agentId, input, options);
  };
  return runs;
}

async function agentsOf(engram: Engram, roles: string[]): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (const role of roles)
    agents.push(await engram.agents.create({ name: role, instructions: `[${role}] You are ${role}.` }));
  return agents;
}

/** Every message of the agents, role and content. */
async function written(engram: Engram, agents: Agent[]): Promise<string[][]> {
  return Promise.all(
    agents.map(async (a) => (await engram.messages.list(a.id)).items.map((m) => `${m.role}: ${m.content}`)),
  );
}

/** A first attempt of "Should we?" to a round-robin group of a and b, which fails at b. */
async function failedRun(engram: Engram): Promise<{ groupId: string; runId: string }> {
  const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a", "b"] });
  try {
    await engram.groups.send(group.id, { content: "Should we?", userId: "ada" });
  } catch (error) {
    assert.ok(EngramError.isInstance(error));
    return { groupId: group.id, runId: error.details?.runId as string };
  }
  assert.fail("expected the first attempt to fail");
}

/** Asserts the promise rejects with the run's `run_busy` conflict. */
async function refusedBusy(promise: Promise<unknown>, runId: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ConflictError, String(error));
    assert.deepEqual(error.details, { reason: "run_busy", runId });
    assert.ok(error.message.includes(runId), error.message);
    return true;
  });
}

/** b fails on its first call, then answers. */
const failsOnce = (call: number) => (call === 0 ? boom() : { text: `b says no (${call})` });

describe("one attempt of a group run at a time", { timeout: 30_000 }, () => {
  it("two concurrent retries of one failed run run its failed step once, and give the same answer", async () => {
    const { model, calls } = gatedCast({ a: [{ text: "a says yes" }], b: failsOnce });
    const engram = createTestEngram({ model });
    const agents = await agentsOf(engram, ["a", "b"]);
    const { groupId, runId } = await failedRun(engram);
    const retry = { content: "Should we?", userId: "ada", retryOf: runId };
    const [one, two] = await Promise.all([
      engram.groups.send(groupId, retry),
      engram.groups.send(groupId, retry),
    ]);
    assert.deepEqual(calls, { a: 1, b: 2 }, "b ran once more in all, a never again");
    assert.equal(one.answer, "b says no (1)");
    assert.equal(two.answer, one.answer);
    assert.deepEqual(
      [one.turns.length, two.turns.length].sort(),
      [0, 1],
      "one retry ran b's turn, the other reused it",
    );
    assert.deepEqual(
      (await written(engram, agents))[1]?.map((m) => m.split(":")[0]),
      ["user", "system", "user", "assistant"],
    );
    assert.equal(await engram.store.leaderLeases.get(runLeaseName(runId)), null, "released: no row stays");
    await engram.close();
  });

  it("a retry sent while the first attempt still runs waits for it, then reuses every step", async () => {
    const { model, calls, gate } = gatedCast({ a: [{ text: "a says yes" }], b: [{ text: "b agrees" }] }, "b");
    const engram = createTestEngram({ model });
    await agentsOf(engram, ["a", "b"]);
    const runs = watchRuns(engram);
    const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a", "b"] });
    const first = engram.groups.send(group.id, { content: "Should we?", userId: "ada" });
    await gate.asked;
    const runId = runs[0] as string;
    const retried = engram.groups.send(group.id, { content: "Should we?", userId: "ada", retryOf: runId });
    await sleep(150);
    assert.deepEqual(calls, { a: 1, b: 1 }, "the retry runs nothing while the first attempt runs");
    gate.open();
    const [answered, again] = await Promise.all([first, retried]);
    assert.equal(answered.answer, "b agrees");
    assert.equal(again.answer, "b agrees");
    assert.deepEqual(again.turns, []);
    assert.deepEqual(
      again.reused.map((r) => r.turnId),
      answered.turns.map((t) => t.turnId),
    );
    assert.deepEqual(calls, { a: 1, b: 1 });
    await engram.close();
  });

  it("a retry whose run stays busy past the wait is refused with run_busy, before writing anything", async () => {
    const { model, calls, gate } = gatedCast({ a: [{ text: "a says yes" }], b: [{ text: "b agrees" }] }, "b");
    const engram = createTestEngram({ model });
    const agents = await agentsOf(engram, ["a", "b"]);
    const runs = watchRuns(engram);
    const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a", "b"] });
    const first = engram.groups.send(group.id, { content: "Should we?", userId: "ada" });
    await gate.asked;
    const runId = runs[0] as string;
    const before = await written(engram, agents);
    const retry = { content: "Should we?", userId: "ada", retryOf: runId };
    await refusedBusy(engram.groups.send(group.id, retry, { waitMs: 50 }), runId);
    // A stream is refused the same way, thrown before it yields anything.
    await refusedBusy(engram.groups.stream(group.id, retry, { waitMs: 50 }), runId);
    assert.deepEqual(await written(engram, agents), before);
    assert.deepEqual(calls, { a: 1, b: 1 });
    gate.open();
    assert.equal((await first).answer, "b agrees");
    assert.deepEqual(calls, { a: 1, b: 1 });
    await engram.close();
  });

  it("a run held by an attempt that died is taken over once its lease lapses", async () => {
    const { model, calls } = gatedCast({ a: [{ text: "a says yes" }], b: failsOnce });
    const engram = createTestEngram({ model });
    await agentsOf(engram, ["a", "b"]);
    const { groupId, runId } = await failedRun(engram);
    const leases = engram.store.leaderLeases;
    const dead = "eng_dead/grn_attempt";
    // An attempt of another engine holds the run: a retry waits for it, then is refused.
    assert.equal(await leases.claim(runLeaseName(runId), dead, engram.now(), engram.now() + 3_600_000), true);
    const retry = { content: "Should we?", userId: "ada", retryOf: runId };
    await refusedBusy(engram.groups.send(groupId, retry, { waitMs: 50 }), runId);
    assert.deepEqual(calls, { a: 1, b: 1 });
    // Its engine died: it renews no more, and the lease lapses.
    assert.equal(await leases.claim(runLeaseName(runId), dead, engram.now(), engram.now() - 1), true);
    const taken = await engram.groups.send(groupId, retry, { waitMs: 50 });
    assert.equal(taken.answer, "b says no (1)");
    assert.deepEqual(calls, { a: 1, b: 2 });
    assert.equal(await leases.get(runLeaseName(runId)), null);
    await engram.close();
  });

  it("over HTTP, a retry of a busy run is a 409 naming the run", async () => {
    const { model } = gatedCast({ a: [{ text: "a says yes" }], b: failsOnce });
    const t = testApp({ engram: createTestEngram({ model }) });
    await agentsOf(t.engram, ["a", "b"]);
    const { groupId, runId } = await failedRun(t.engram);
    await t.engram.store.leaderLeases.claim(
      runLeaseName(runId),
      "eng_other/x",
      t.engram.now(),
      t.engram.now() + 3_600_000,
    );
    const send = t.engram.groups.send.bind(t.engram.groups);
    t.engram.groups.send = (id, input, options) => send(id, input, { ...options, waitMs: 20 });
    const reply = await t.post(`/v1/groups/${groupId}/messages`, {
      content: "Should we?",
      userId: "ada",
      retryOf: runId,
    });
    assert.equal(reply.status, 409, JSON.stringify(reply.body));
    assert.equal(reply.body.error.code, "conflict");
    assert.deepEqual(reply.body.error.details, { reason: "run_busy", runId });
    const doc = (await t.get("/openapi.json")).body;
    assert.ok(doc.paths["/v1/groups/{groupId}/messages"].post.responses["409"]);
    await t.engram.close();
  });
});

/** Where two engines share one database: the test server's when tests run on PostgreSQL, else a file. */
function sharedDatabase(): { where: { path: string } | { database: string }; dispose(): void } {
  const url = process.env.ENGRAM_TEST_DATABASE_URL;
  if (url !== undefined && url !== "") {
    const location = parseDatabaseLocation(url, "ENGRAM_TEST_DATABASE_URL");
    if (location.kind === "postgres")
      return {
        where: { database: formatDatabaseLocation({ ...location, schema: freshSchemaName() }) },
        dispose: () => {},
      };
  }
  const dir = mkdtempSync(join(tmpdir(), "engram-group-run-"));
  return {
    where: { path: join(dir, "shared.db") },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe("attempts of a group run across engines", { timeout: 30_000 }, () => {
  it("two engines on one database retrying one run run its failed step once between them", async () => {
    const { where, dispose } = sharedDatabase();
    const a: RoleScript = [{ text: "a says yes" }];
    const castOne = gatedCast({ a, b: failsOnce }, "b", 1);
    const castTwo = gatedCast({ a, b: (call) => ({ text: `b of engine two (${call})` }) });
    const one = createTestEngram({ ...where, now: Date.now, model: castOne.model });
    const two = createTestEngram({ ...where, now: Date.now, model: castTwo.model });
    try {
      await agentsOf(one, ["a", "b"]);
      const group = await one.groups.create({ name: "g", pattern: "round-robin", members: ["a", "b"] });
      const runId = await one.groups.send(group.id, { content: "Should we?", userId: "ada" }).then(
        () => assert.fail("expected the first attempt to fail"),
        (error: EngramError) => error.details?.runId as string,
      );
      const retry = { content: "Should we?", userId: "ada", retryOf: runId };
      // Engine one's retry runs b again, held at its model call; engine two's waits for it.
      const first = one.groups.send(group.id, retry);
      await castOne.gate.asked;
      const second = two.groups.send(group.id, retry);
      await sleep(150);
      assert.deepEqual(
        castTwo.calls,
        { a: 0, b: 0 },
        "engine two runs nothing while engine one's retry runs",
      );
      castOne.gate.open();
      const [answered, again] = await Promise.all([first, second]);
      assert.equal(answered.answer, "b says no (1)");
      assert.equal(again.answer, answered.answer);
      assert.deepEqual(again.turns, []);
      assert.deepEqual(castOne.calls, { a: 1, b: 2 });
      assert.deepEqual(castTwo.calls, { a: 0, b: 0 });
    } finally {
      await Promise.all([one.close(), two.close()]);
      dispose();
    }
  });
});
