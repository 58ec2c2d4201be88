import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram, scriptedModel } from "../test/index.ts";

/** An agent with a small window and more history than fits in it. */
async function crowded(userId?: string) {
  const model = scriptedModel((_call, options) => {
    const system = JSON.stringify(options.prompt[0]);
    if (system.includes("running summary"))
      return { text: "Summary: the user counted from 0 upwards; message 0 mentioned a violin." };
    return { text: "Carrying on." };
  });
  const engram = createTestEngram({ model, env: {} });
  const agent = await engram.agents.create({
    name: "chatty",
    metadata: { runtime: { contextWindow: 4096 } },
  });
  await engram.messages.appendMany(
    agent.id,
    Array.from({ length: 120 }, (_, i) => ({
      role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
      content: `${i === 0 ? "I play the violin. " : ""}message ${i}: ${"lorem ipsum dolor sit amet ".repeat(4)}`,
      userId,
    })),
  );
  return { engram, agent, model };
}

describe("summarising older messages", () => {
  it("summarises what overflows into a recall summary before answering; nothing is dropped", async () => {
    const { engram, agent, model } = await crowded();
    const before = await engram.runtime.context(agent.id);
    assert.ok(before.sections.messages.overflow > 0);
    assert.equal(before.sections.summary, null);

    const result = await engram.runtime.send(agent.id, { content: "Let us continue" });
    // The overflow is more than one call of this small window can read: folded in several calls.
    const summarising = model.calls.filter((c) => JSON.stringify(c.prompt).includes("running summary"));
    assert.ok(summarising.length >= 2, String(summarising.length));
    assert.equal(model.calls.length, summarising.length + 1, "then one call to answer");
    assert.match(JSON.stringify(model.calls[0]?.prompt), /There is no previous summary[\s\S]*message 0: /);
    assert.match(JSON.stringify(model.calls[1]?.prompt), /Previous summary:\\nSummary: the user counted/);
    assert.notEqual(result.summaryMessageId, null);
    const summary = await engram.messages.get(agent.id, result.summaryMessageId as string);
    assert.equal(summary.role, "system");
    const info = summary.metadata.summary as { covered: number; throughMessageId: string; scope: null };
    assert.equal(info.scope, null);
    assert.ok(info.covered >= before.sections.messages.overflow);
    // The answer was written with the summary in the prompt, and the window has room again.
    const answering = model.calls.at(-1);
    assert.match(
      JSON.stringify(answering?.prompt),
      /<conversation_summary>[\s\S]*message 0 mentioned a violin/,
    );
    const after = await engram.runtime.context(agent.id);
    assert.equal(after.sections.summary?.messageId, summary.id);
    assert.equal(after.sections.summary?.covered, info.covered);
    assert.equal(after.sections.messages.overflow, 0);
    assert.ok(after.sections.messages.tokens <= after.sections.messages.budget / 2 + 200);
    // Every message is still in the log, and the summarised ones are still found by search.
    const log = await engram.messages.list(agent.id, { limit: 500 });
    assert.equal(log.items.length, 120 + 1 + 2);
    const { results } = await engram.search(agent.id, { query: "violin", sources: ["messages"] });
    assert.ok(results.some((r) => r.text.startsWith("I play the violin")));

    // The next turn fits: no new summary.
    const calls = model.calls.length;
    const next = await engram.runtime.send(agent.id, { content: "And again" });
    assert.equal(next.summaryMessageId, null);
    assert.equal(model.calls.length, calls + 1);
  });

  it("keeps one summary per user: summarising Ada's conversation leaves Bob's alone", async () => {
    const { engram, agent } = await crowded("ada");
    await engram.messages.append(agent.id, { role: "user", content: "Hello from Bob", userId: "bob" });
    const result = await engram.runtime.send(agent.id, { content: "Go on", userId: "ada" });
    const summary = await engram.messages.get(agent.id, result.summaryMessageId as string);
    assert.equal(summary.userId, "ada");
    assert.equal((summary.metadata.summary as { scope: string }).scope, "ada");
    const bob = await engram.runtime.context(agent.id, { userId: "bob" });
    assert.equal(bob.sections.summary, null);
    assert.deepEqual(bob.messages, [{ role: "user", content: "Hello from Bob" }]);
    const ada = await engram.runtime.context(agent.id, { userId: "ada" });
    assert.equal(ada.sections.summary?.messageId, summary.id);
  });

  it("a failed summary fails the turn like any model failure, and writes no summary", async () => {
    const model = scriptedModel([{ text: "" }]);
    const engram = createTestEngram({ model, env: {} });
    const agent = await engram.agents.create({ name: "c", metadata: { runtime: { contextWindow: 2048 } } });
    await engram.messages.appendMany(
      agent.id,
      Array.from({ length: 80 }, (_, i) => ({
        role: "user" as const,
        content: `note ${i} ${"word ".repeat(20)}`,
      })),
    );
    await assert.rejects(engram.runtime.send(agent.id, { content: "hi" }), /empty summary/);
    const log = (await engram.messages.list(agent.id, { limit: 500 })).items;
    assert.equal(log.filter((m) => m.metadata.summary !== undefined).length, 0);
    assert.equal(log.at(-1)?.metadata.error !== undefined, true);
  });

  it("leaves room under the message cap too, so the next turns need no summary", async () => {
    const model = scriptedModel((_call, options) =>
      JSON.stringify(options.prompt[0]).includes("running summary") ? { text: "Summary." } : { text: "Ok." },
    );
    const engram = createTestEngram({ model, env: {} });
    const agent = await engram.agents.create({
      name: "c",
      metadata: { runtime: { contextWindow: 128_000, maxRecentMessages: 10 } },
    });
    await engram.messages.appendMany(
      agent.id,
      Array.from({ length: 30 }, (_, i) => ({ role: "user" as const, content: `note ${i}` })),
    );
    const first = await engram.runtime.send(agent.id, { content: "hi" });
    assert.notEqual(first.summaryMessageId, null);
    const context = await engram.runtime.context(agent.id);
    assert.equal(context.sections.messages.count, 7);
    assert.equal(context.sections.messages.overflow, 0);
    const second = await engram.runtime.send(agent.id, { content: "again" });
    assert.equal(second.summaryMessageId, null);
  });
});
