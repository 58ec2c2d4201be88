import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";

async function setup(script: ScriptStep[], metadata: Record<string, unknown> = {}) {
  const model = scriptedModel(script);
  const engram = createTestEngram({ model, env: {} });
  const agent = await engram.agents.create({ name: "helper", metadata });
  return { engram, agent, model };
}

const search = (query: string) => ({ name: "memory_search", input: { query } });
const toolChoices = (model: { calls: { toolChoice?: { type: string } }[] }) =>
  model.calls.map((c) => c.toolChoice?.type ?? "no tools");

describe("simple responder", () => {
  it("one tool round at most: the call after it must answer", async () => {
    const { engram, agent, model } = await setup([{ toolCalls: [search("tea")] }, { text: "Answer" }]);
    const result = await engram.runtime.send(agent.id, { content: "Do I like tea?" });
    assert.equal(result.steps, 2);
    assert.deepEqual(toolChoices(model), ["auto", "none"]);
    assert.match(JSON.stringify(model.calls[0]?.prompt), /at most 1 round of tool calls/);
  });

  it("with no tool round, the model is offered no tools and answers at once", async () => {
    const { engram, agent, model } = await setup([{ text: "Hello!" }], { runtime: { toolRounds: 0 } });
    const result = await engram.runtime.send(agent.id, { content: "Hi" });
    assert.equal(result.answer, "Hello!");
    assert.equal(model.calls[0]?.tools, undefined);
  });
});

describe("reactive responder", () => {
  it("plans, acts and observes in a loop, keeping each step's plan with its tool calls", async () => {
    const { engram, agent, model } = await setup([
      { text: "Plan: check what I know about tea.", toolCalls: [search("tea")] },
      {
        text: "Nothing yet; I will note it.",
        toolCalls: [{ name: "memory_append", input: { label: "human", text: "Likes tea" } }],
      },
      { text: "You like tea; I have noted it." },
    ]);
    const result = await engram.runtime.send(agent.id, { content: "I like tea", responder: "reactive" });
    assert.equal(result.steps, 3);
    assert.equal(result.answer, "You like tea; I have noted it.");
    assert.deepEqual(
      result.messages.map((m) => [m.role, m.role === "tool" ? m.name : m.content]),
      [
        ["user", "I like tea"],
        ["assistant", "Plan: check what I know about tea."],
        ["tool", "memory_search"],
        ["assistant", "Nothing yet; I will note it."],
        ["tool", "memory_append"],
        ["assistant", "You like tea; I have noted it."],
      ],
    );
    assert.deepEqual(toolChoices(model), ["auto", "auto", "auto"]);
    assert.match(JSON.stringify(model.calls[0]?.prompt), /\(1\) plan: .*\(2\) act: .*\(3\) observe/);
    // Each call observes the results of the one before.
    assert.match(JSON.stringify(model.calls[2]?.prompt), /Likes tea/);
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Likes tea");
  });

  it("stops acting at the step limit: the last call must answer", async () => {
    const { engram, agent, model } = await setup([
      { toolCalls: [search("a")] },
      { toolCalls: [search("b")] },
      { text: "Out of steps; here is what I have." },
    ]);
    const result = await engram.runtime.send(agent.id, { content: "go", responder: "reactive", maxSteps: 3 });
    assert.equal(result.steps, 3);
    assert.deepEqual(toolChoices(model), ["auto", "auto", "none"]);
  });

  it("stops acting when it repeats its last tool calls exactly", async () => {
    const { engram, agent, model } = await setup([
      { toolCalls: [search("tea")] },
      { toolCalls: [search("tea")] },
      { text: "Nothing new; answering." },
    ]);
    await engram.runtime.send(agent.id, { content: "go", responder: "reactive" });
    assert.deepEqual(toolChoices(model), ["auto", "auto", "none"]);
  });

  it("stops acting when a caller's stop condition holds", async () => {
    const { engram, agent, model } = await setup([
      { toolCalls: [{ name: "lookup", input: { id: "A1" } }] },
      { text: "Order A1 has shipped." },
    ]);
    await engram.runtime.addTool(agent.id, "lookup", {
      description: "Look up an order",
      inputSchema: z.object({ id: z.string() }),
      execute: ({ id }) => ({ id, status: "shipped" }),
    });
    const result = await engram.runtime.send(
      agent.id,
      { content: "Where is A1?", responder: "reactive" },
      { stopWhen: (steps) => steps.some((s) => s.toolCalls.some((c) => c.toolName === "lookup")) },
    );
    assert.equal(result.answer, "Order A1 has shipped.");
    assert.deepEqual(toolChoices(model), ["auto", "none"]);
    await assert.rejects(
      engram.runtime.send(agent.id, { content: "x" }, { stopWhen: () => true }),
      /only the reactive responder takes stop conditions/,
    );
  });

  it("is chosen per agent in metadata.runtime; a bad setting is an error naming the field", async () => {
    const { engram, agent, model } = await setup([{ text: "ok" }], { runtime: { responder: "reactive" } });
    await engram.runtime.send(agent.id, { content: "go" });
    assert.match(JSON.stringify(model.calls[0]?.prompt), /\(1\) plan:/);
    const bad = await engram.agents.create({ name: "bad", metadata: { runtime: { maxSteps: 0 } } });
    await assert.rejects(
      engram.runtime.send(bad.id, { content: "go" }),
      /invalid agent bad metadata.runtime: maxSteps: Too small/,
    );
  });
});
