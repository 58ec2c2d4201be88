import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APICallError } from "@ai-sdk/provider";
import { EngramError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import { sseEvents, testApp } from "../server/test-support.ts";
import { castModel, createTestEngram } from "../test/index.ts";
import { cast } from "./group-test-support.ts";

const boom = () => ({
  error: new APICallError({ message: "boom", url: "http://x", requestBodyValues: {}, statusCode: 400 }),
});

const wait = (agent: string, message: string) => ({
  name: "send_message_to_agent_and_wait",
  input: { agent, message },
});

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<EngramError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(EngramError.isInstance(error));
    return error;
  }
  assert.fail("expected a failure");
}

describe("retrying a group message", () => {
  it("round-robin: a retry runs the failed speaker and those after it, reusing the turns that answered", async () => {
    let bFails = true;
    const { engram, agents } = await cast({
      a: [{ text: "a says yes" }],
      b: (call) => (bFails ? boom() : { text: `b says no (${call})` }),
      c: [{ text: "c decides" }, { text: "c again" }],
    });
    const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a", "b", "c"] });
    const error = await failure(engram.groups.send(group.id, { content: "Should we?", userId: "ada" }));
    const runId = error.details?.runId as string;
    assert.match(runId, /^grn_/);
    assert.equal(error.details?.groupId, group.id);
    const aTurn = (await engram.messages.list(agents.a.id)).items[0]?.metadata.turnId;

    bFails = false;
    const retried = await engram.groups.send(group.id, {
      content: "Should we?",
      userId: "ada",
      retryOf: runId,
    });
    assert.equal(retried.runId, runId);
    assert.equal(retried.answer, "c decides");
    assert.deepEqual(retried.reused, [
      { step: 0, agentId: agents.a.id, turnId: aTurn, answer: "a says yes" },
    ]);
    assert.deepEqual(
      retried.turns.map((t) => t.agentId),
      [agents.b.id, agents.c.id],
    );
    // a spoke once; b's failed turn stays beside its new one; c heard what a said and what b said now.
    const roles = async (agent: Agent) => (await engram.messages.list(agent.id)).items.map((m) => m.role);
    assert.deepEqual(await roles(agents.a), ["user", "assistant"]);
    assert.deepEqual(await roles(agents.b), ["user", "system", "user", "assistant"]);
    const heardByC = (await engram.messages.list(agents.c.id)).items[0];
    assert.equal(heardByC?.content, "user: Should we?\n\na: a says yes\n\nb: b says no (1)");
    assert.deepEqual(heardByC?.metadata.group, { groupId: group.id, runId, step: 2 });

    // A run that has answered in full runs nothing more: the retry gives the same answer.
    const again = await engram.groups.send(group.id, {
      content: "Should we?",
      userId: "ada",
      retryOf: runId,
    });
    assert.equal(again.answer, "c decides");
    assert.deepEqual(again.turns, []);
    assert.deepEqual(
      again.reused.map((t) => [t.step, t.agentId]),
      [
        [0, agents.a.id],
        [1, agents.b.id],
        [2, agents.c.id],
      ],
    );
  });

  it("supervisor: the retried supervisor's turn takes its workers' earlier answers and asks again only the one that failed", async () => {
    let writerFails = true;
    const ask = { toolCalls: [wait("adder", "19 + 23?"), wait("writer", "Phrase it")] };
    const { engram, agents } = await cast({
      lead: [ask, boom(), ask, { text: "Done: 42, phrased." }],
      adder: [{ text: "42" }],
      writer: () => (writerFails ? boom() : { text: "Forty-two." }),
    });
    const group = await engram.groups.create({
      name: "desk",
      pattern: "supervisor",
      manager: "lead",
      members: ["adder", "writer"],
    });
    const error = await failure(engram.groups.send(group.id, { content: "Add 19 and 23" }));
    const runId = error.details?.runId as string;
    const adderTurn = (await engram.messages.list(agents.adder.id)).items[0]?.metadata.turnId;

    writerFails = false;
    const retried = await engram.groups.send(group.id, { content: "Add 19 and 23", retryOf: runId });
    assert.equal(retried.answer, "Done: 42, phrased.");
    assert.deepEqual(retried.reused, [
      { step: null, agentId: agents.adder.id, turnId: adderTurn, answer: "42" },
    ]);
    const results = retried.turns[0]?.messages
      .filter((m) => m.role === "tool")
      .map((m) => JSON.parse(m.content) as { agent: string; answer: string; reused?: boolean });
    assert.deepEqual(
      results?.map((r) => [r.agent, r.answer, r.reused ?? false]),
      [
        ["adder", "42", true],
        ["writer", "Forty-two.", false],
      ],
    );
    // The adder answered once; the writer's failed turn is followed by the one that answered.
    const roles = async (agent: Agent) => (await engram.messages.list(agent.id)).items.map((m) => m.role);
    assert.deepEqual(await roles(agents.adder), ["user", "assistant"]);
    assert.deepEqual(await roles(agents.writer), ["user", "system", "user", "assistant"]);
  });

  it("a retry of another message, or of no run, is refused naming retryOf, and nothing runs", async () => {
    const { engram, agents } = await cast({ a: [boom(), { text: "never" }] });
    const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a"] });
    const runId = (await failure(engram.groups.send(group.id, { content: "one" }))).details?.runId as string;
    await assert.rejects(
      engram.groups.send(group.id, { content: "two", retryOf: runId }),
      /invalid group message: retryOf: run grn_\w+ was sent another message/,
    );
    await assert.rejects(
      engram.groups.send(group.id, { content: "one", retryOf: "trn_1" }),
      /invalid group message: retryOf: must be a group message's run id \(grn_…\)/,
    );
    assert.equal((await engram.messages.list(agents.a.id)).items.length, 2);
  });

  it("over HTTP: a failed message's error and error event name its run, and retryOf reruns only what failed", async () => {
    let bFails = true;
    const t = testApp({
      engram: createTestEngram({
        model: castModel({
          a: (call) => ({ text: `a ${call}` }),
          b: (call) => (bFails ? boom() : { text: `b ${call}` }),
        }),
      }),
    });
    const a = await t.agent({ name: "a", instructions: "[a]" });
    await t.agent({ name: "b", instructions: "[b]" });
    const group = await t.post("/v1/groups", { name: "g", pattern: "round-robin", members: ["a", "b"] });
    const path = `/v1/groups/${group.body.id}/messages`;
    const failed = await t.post(path, { content: "plan it", userId: "ada" });
    assert.equal(failed.status, 503);
    const runId = failed.body.error.details.runId;
    assert.match(runId, /^grn_/);
    const streamed = await t.app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "plan it", userId: "ada", retryOf: runId, stream: true }),
    });
    const events = await sseEvents(streamed);
    assert.deepEqual(
      events.map((e) => e.event).filter((e) => e === "start" || e === "error"),
      ["start", "error"],
    );
    assert.equal(events.at(-1)?.data.error.details.runId, runId);

    bFails = false;
    const retried = await t.post(path, { content: "plan it", userId: "ada", retryOf: runId });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal(retried.body.runId, runId);
    assert.deepEqual(
      retried.body.reused.map((r: { step: number; agentId: string }) => [r.step, r.agentId]),
      [[0, a.id]],
    );
    assert.equal(retried.body.turns.length, 1);
    assert.equal(retried.body.answer, retried.body.turns[0].answer);
    const aLog = await t.get(`/v1/agents/${a.id}/messages`);
    assert.deepEqual(
      aLog.body.items.map((m: { role: string }) => m.role),
      ["user", "assistant"],
    );
    await t.engram.close();
  });
});
