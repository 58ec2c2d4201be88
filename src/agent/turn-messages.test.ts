import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { type StepRecord, stepMessages } from "./turn-messages.ts";

const usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };
const at = "2026-01-01T00:00:00.000Z";
const base = { turnId: "turn_1", userId: undefined, sessionId: undefined, model: "openai:gpt-4o-mini" };

describe("stepMessages", () => {
  it("stores what a model wrote even when it could not be stored as it is: deep or huge inputs, lone surrogates", async () => {
    const deep = JSON.parse(`${"[".repeat(500)}${"]".repeat(500)}`);
    const steps: StepRecord[] = [
      {
        text: "",
        toolCalls: [
          { toolCallId: "c1", toolName: "lookup", input: { query: deep }, invalid: true },
          { toolCallId: "c2", toolName: "look\ud800", input: { query: "half \ud800" }, invalid: false },
          { toolCallId: "c3", toolName: "lookup", input: { query: ["fine", { a: 1 }] }, invalid: false },
          { toolCallId: "c4", toolName: "lookup", input: { query: "x".repeat(200_000) }, invalid: true },
        ],
        toolResults: [{ toolCallId: "c2", toolName: "look\ud800", output: "found \udc00", isError: false }],
        usage,
        finishReason: "tool-calls",
        finishedAt: at,
      },
      { text: "done \ud83d", toolCalls: [], toolResults: [], usage, finishReason: "stop", finishedAt: at },
    ];
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "helper" });
    const written = await engram.messages.appendMany(agent.id, stepMessages(steps, base));
    const [calls, result, answer] = written;
    const recorded = calls?.metadata.toolCalls as { toolName: string; input: unknown }[];
    const inputs = recorded.map((c) => c.input);
    assert.deepEqual(inputs, [
      { unstored: "the input was nested deeper than 61 levels" },
      '{"query":"half \\ud800"}',
      { query: ["fine", { a: 1 }] },
      {
        unstored: "the input was 200012 characters of JSON, over the 100000 a message holds",
        start: `{"query":"${"x".repeat(1990)}`,
      },
    ]);
    assert.equal(recorded[1]?.toolName, "look\uFFFD");
    assert.equal(result?.name, "look\uFFFD");
    assert.equal(result?.content, "found \uFFFD");
    assert.equal(answer?.content, "done \uFFFD");
  });
});
