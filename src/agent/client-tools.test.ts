import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngramError } from "../core/errors.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import type { ClientTool } from "./client-tools.ts";
import type { TurnEvent } from "./turn-events.ts";

const clientTools: Record<string, ClientTool> = {
  get_weather: {
    description: "The weather in a city now",
    inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** The model notes something with its own tool and calls the caller's in one step, then answers. */
const script: ScriptStep[] = [
  {
    toolCalls: [
      { name: "memory_append", input: { label: "human", text: "Lives in Oslo" }, id: "call_memory" },
      { name: "get_weather", input: { city: "Oslo" }, id: "call_weather" },
    ],
  },
  { text: "Snowing in Oslo." },
];

async function setup(steps: ScriptStep[] = script) {
  const model = scriptedModel(steps);
  const engram = createTestEngram({ model });
  const agent = await engram.agents.create({ name: "a" });
  return { engram, agent, model };
}

describe("client tools: calls the caller runs", () => {
  it("end the turn with the call pending; the agent's own tool in the same step still runs", async () => {
    const { engram, agent } = await setup();
    const turn = await engram.runtime.send(
      agent.id,
      { content: "Weather here?", userId: "ada" },
      { clientTools },
    );
    assert.deepEqual(turn.pendingToolCalls, [
      { toolCallId: "call_weather", toolName: "get_weather", input: { city: "Oslo" } },
    ]);
    assert.equal(turn.answer, "");
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Lives in Oslo");
    assert.deepEqual(
      turn.messages.map((m) => m.role),
      ["user", "assistant", "tool"],
    );
    assert.equal(turn.messages[2]?.metadata.toolCallId, "call_memory");
  });

  it("continue with the caller's results: stored as tool messages, and the model answers", async () => {
    const { engram, agent, model } = await setup();
    const first = await engram.runtime.stream(
      agent.id,
      { content: "Weather here?", userId: "ada" },
      { clientTools },
    );
    const events: TurnEvent[] = [];
    for await (const event of first) events.push(event);
    const done = events.at(-1);
    assert.equal(done?.type, "done");
    assert.deepEqual(done?.type === "done" ? done.pendingToolCalls?.map((c) => c.toolCallId) : [], [
      "call_weather",
    ]);

    const second = await engram.runtime.send(
      agent.id,
      { content: "Weather here?", userId: "ada" },
      { clientTools, toolResults: [{ toolCallId: "call_weather", output: "-3°C, snow" }] },
    );
    assert.equal(second.answer, "Snowing in Oslo.");
    assert.equal(second.pendingToolCalls, undefined);
    assert.deepEqual(
      second.messages.map((m) => `${m.role}: ${m.content}`),
      ["tool: -3°C, snow", "assistant: Snowing in Oslo."],
    );
    const prompt = JSON.stringify(model.calls[1]?.prompt);
    assert.match(prompt, /"toolCallId":"call_weather"/);
    const log = await engram.messages.list(agent.id, { userId: "ada" });
    assert.equal(log.items.filter((m) => m.role === "user").length, 1, "the user's message is stored once");
  });

  it("refuse a result for a call nobody is waiting on, or given twice, writing nothing", async () => {
    const { engram, agent } = await setup();
    await engram.runtime.send(agent.id, { content: "Weather here?", userId: "ada" }, { clientTools });
    const before = await engram.messages.list(agent.id);
    for (const toolResults of [
      [{ toolCallId: "call_other", output: "x" }],
      [{ toolCallId: "call_memory", output: "x" }],
      [
        { toolCallId: "call_weather", output: "x" },
        { toolCallId: "call_weather", output: "y" },
      ],
    ]) {
      await assert.rejects(
        engram.runtime.send(agent.id, { content: "Weather here?", userId: "ada" }, { toolResults }),
        (error: unknown) => EngramError.isInstance(error) && error.code === "invalid_input",
      );
    }
    assert.deepEqual(await engram.messages.list(agent.id), before);
  });

  it("may not take the name of one of the agent's tools", async () => {
    const { engram, agent } = await setup();
    await assert.rejects(
      engram.runtime.send(
        agent.id,
        { content: "hi" },
        { clientTools: { memory_append: { inputSchema: { type: "object" } } } },
      ),
      /memory_append: the agent has a tool of that name/,
    );
    assert.deepEqual((await engram.messages.list(agent.id)).items, []);
  });
});
