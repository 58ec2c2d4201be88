import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import type { TurnContextRecord } from "./turn-context-record.ts";
import type { TurnEvent } from "./turn-events.ts";

const remember = [
  {
    text: "Let me note that.",
    toolCalls: [{ name: "memory_append", input: { label: "human", text: "Likes tea" } }],
    usage: { input: 100, output: 20 },
  },
  { text: "Noted: you like tea.", usage: { input: 130, output: 8 } },
];

describe("agent runtime", () => {
  it("streams text, tool calls, memory edits and persisted messages as they happen, then done", async () => {
    const engram = createTestEngram({ model: scriptedModel(remember), env: {} });
    const agent = await engram.agents.create({ name: "a" });
    const events: TurnEvent[] = [];
    const stream = await engram.runtime.stream(agent.id, { content: "I like tea", userId: "ada" });
    assert.match(stream.turnId, /^trn_/);
    for await (const event of stream) events.push(event);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        "start",
        "text-delta",
        "text-delta",
        "text-delta",
        "text-delta",
        "tool-call",
        "memory-edit",
        "tool-result",
        "step-finish",
        "text-delta",
        "text-delta",
        "text-delta",
        "text-delta",
        "step-finish",
        "message",
        "message",
        "message",
        "message",
        "done",
      ],
    );
    const text = events.flatMap((e) => (e.type === "text-delta" && e.step === 1 ? [e.text] : [])).join("");
    assert.equal(text, "Noted: you like tea.");
    const edit = events.find((e) => e.type === "memory-edit");
    assert.equal(edit?.type === "memory-edit" && edit.label, "human");
    const done = events.at(-1) as Extract<TurnEvent, { type: "done" }>;
    assert.equal(done.answer, "Noted: you like tea.");
    assert.deepEqual(done.usage, { inputTokens: 230, outputTokens: 28, totalTokens: 258 });
    const log = (await engram.messages.list(agent.id)).items;
    assert.deepEqual(
      done.messageIds,
      log.map((m) => m.id),
    );
    // Usage is recorded on the message of each model call; every message is the user's.
    assert.deepEqual(
      log.map((m) => [
        m.role,
        m.userId,
        (m.metadata.usage as { totalTokens: number } | undefined)?.totalTokens,
      ]),
      [
        ["user", "ada", undefined],
        ["assistant", "ada", 120],
        ["tool", "ada", undefined],
        ["assistant", "ada", 138],
      ],
    );
    assert.equal(log[1]?.content, "Let me note that.");
    assert.ok(log.every((m) => m.metadata.turnId === stream.turnId));
  });

  it("send reports the same events to onEvent, and returns the turn", async () => {
    const engram = createTestEngram({ model: scriptedModel(remember), env: {} });
    const agent = await engram.agents.create({ name: "a" });
    const seen: string[] = [];
    const result = await engram.runtime.send(
      agent.id,
      { content: "I like tea" },
      { onEvent: (e) => seen.push(e.type) },
    );
    assert.equal(result.steps, 2);
    assert.deepEqual(result.usage, { inputTokens: 230, outputTokens: 28, totalTokens: 258 });
    assert.equal(seen[0], "start");
    assert.equal(seen.at(-1), "done");
    assert.ok(seen.includes("memory-edit") && seen.includes("tool-result"));
  });

  it("keeps on the user's message the context the model saw, which later edits do not change", async () => {
    const model = scriptedModel(remember);
    const engram = createTestEngram({ model, env: {} });
    const agent = await engram.agents.create({ name: "a", instructions: "Be brief." });
    await engram.blocks.set(agent.id, "human", "Name: Ada");
    await engram.runtime.send(agent.id, { content: "I like tea" });
    await engram.blocks.set(agent.id, "human", "Name: Bea");
    const [user] = (await engram.messages.list(agent.id, { roles: ["user"] })).items;
    const context = user?.metadata.context as TurnContextRecord;
    const sent = model.calls[0]?.prompt.find((m) => m.role === "system");
    assert.equal(context.system, sent?.content);
    assert.match(context.system, /Name: Ada/);
    assert.ok(context.sections.blocks.items.some((b) => b.label === "human"));
    assert.ok(context.sections.instructions.tokens > 0 && context.budget.used > 0);
  });

  it("a reader that stops early cancels the turn, which is recorded as cancelled", async () => {
    const engram = createTestEngram({ model: scriptedModel([{ hang: true }]), env: {} });
    const agent = await engram.agents.create({ name: "a" });
    for await (const event of await engram.runtime.stream(agent.id, { content: "Hi" })) {
      assert.equal(event.type, "start");
      break;
    }
    // The turn finishes in the background: wait for its record.
    for (let i = 0; i < 100; i++) {
      if ((await engram.messages.list(agent.id)).items.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [, record] = (await engram.messages.list(agent.id)).items;
    assert.equal(
      (record?.metadata.error as { details: { reason: string } } | undefined)?.details.reason,
      "cancelled",
    );
  });

  it("runs one turn at a time per conversation, so the second sees the first", async () => {
    const model = scriptedModel([{ text: "first answer" }, { text: "second answer" }]);
    const engram = createTestEngram({ model, env: {} });
    const agent = await engram.agents.create({ name: "a" });
    const [one, two] = await Promise.all([
      engram.runtime.send(agent.id, { content: "one" }),
      engram.runtime.send(agent.id, { content: "two" }),
    ]);
    assert.equal(one.answer, "first answer");
    assert.equal(two.answer, "second answer");
    assert.match(JSON.stringify(model.calls[1]?.prompt), /first answer/);
  });

  it("queues turns of one conversation in the order they were sent, however long their look-ups take", async () => {
    const model = scriptedModel([{ text: "first answer" }, { text: "second answer" }]);
    const engram = createTestEngram({ model, env: {} });
    const agent = await engram.agents.create({ name: "a" });
    // The first call's read of the agent is the slow one (as on a busy connection of a pool).
    const agents = engram.store.agents;
    const get = agents.get.bind(agents);
    let reads = 0;
    agents.get = async (id) => {
      const read = ++reads;
      if (read === 1) await new Promise((resolve) => setTimeout(resolve, 50));
      return get(id);
    };
    try {
      const [one, two] = await Promise.all([
        engram.runtime.send(agent.id, { content: "one" }),
        engram.runtime.send(agent.id, { content: "two" }),
      ]);
      assert.deepEqual([one.answer, two.answer], ["first answer", "second answer"]);
      assert.match(JSON.stringify(model.calls[1]?.prompt), /"one".*first answer.*"two"/s);
    } finally {
      agents.get = get;
    }
  });

  for (const streaming of [false, true])
    it(`gives every model call of a tool round the history, then the new message (${streaming ? "streaming" : "blocking"})`, async () => {
      const model = scriptedModel([{ text: "Hello Ada." }, ...remember]);
      const engram = createTestEngram({ model, env: {} });
      const agent = await engram.agents.create({ name: "a" });
      await engram.runtime.send(agent.id, { content: "I am Ada" });
      if (streaming) for await (const _ of await engram.runtime.stream(agent.id, { content: "I like tea" }));
      else await engram.runtime.send(agent.id, { content: "I like tea" });
      const shape = (call: number) =>
        (model.calls[call]?.prompt ?? []).map((m) =>
          m.role === "system"
            ? "system"
            : `${m.role}: ${m.content.map((p) => (p.type === "text" ? p.text : p.type)).join(" + ")}`,
        );
      assert.deepEqual(shape(1), ["system", "user: I am Ada", "assistant: Hello Ada.", "user: I like tea"]);
      assert.deepEqual(shape(2), [
        "system",
        "user: I am Ada",
        "assistant: Hello Ada.",
        "user: I like tea",
        "assistant: Let me note that. + tool-call",
        "tool: tool-result",
      ]);
      // The second call sees the block as the tool left it.
      assert.match(String(model.calls[2]?.prompt[0]?.content), /Likes tea/);
    });

  it("a project view runs only its own agents", async () => {
    const engram = createTestEngram({ model: scriptedModel([]), env: {} });
    const project = await engram.projects.create({ name: "other" });
    const agent = await engram.agents.create({ name: "a" });
    const view = engram.forProject(project.id);
    await assert.rejects(view.runtime.send(agent.id, { content: "hi" }), /not found/);
    await assert.rejects(view.runtime.context(agent.id), /not found/);
  });
});
