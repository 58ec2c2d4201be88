import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import type { TurnEvent } from "./turn-events.ts";

const APPEND = { name: "memory_append", arguments: JSON.stringify({ label: "human", text: "Likes tea" }) };

function engramFor(url: string) {
  return createEngram({
    path: ":memory:",
    env: { ENGRAM_MODEL: "openai-compatible:test-chat", OPENAI_COMPATIBLE_BASE_URL: url },
    runtime: { retry: { baseDelayMs: 1 } },
  });
}

describe("an openai-compatible server, over HTTP in its wire format", () => {
  it("blocking: the model calls memory_append, the block changes in an agent commit, the answer comes back", async () => {
    const server = await startFakeChatServer([{ toolCalls: [APPEND] }, { text: "Noted, you like tea." }]);
    const engram = engramFor(server.url);
    try {
      const agent = await engram.agents.create({ name: "a", instructions: "Be brief." });
      const result = await engram.runtime.send(agent.id, { content: "I like tea" });
      assert.equal(result.answer, "Noted, you like tea.");
      assert.equal((await engram.blocks.get(agent.id, "human")).value, "Likes tea");
      const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
      assert.equal(head?.author, "agent");
      assert.match(head?.message ?? "", /^memory_append\("human"\): tool call call_chatcmpl-1_0/);
      assert.deepEqual(result.usage, { inputTokens: 100, outputTokens: 20, totalTokens: 120 });

      const [first, second] = server.requests;
      assert.equal(first?.path, "/v1/chat/completions");
      assert.equal(first?.body.model, "test-chat");
      assert.equal(first?.body.stream, undefined);
      assert.equal(first?.body.messages[0].role, "system");
      assert.match(first?.body.messages[0].content, /Be brief\.[\s\S]*<memory_blocks>/);
      assert.deepEqual(first?.body.messages.at(-1), { role: "user", content: "I like tea" });
      const append = first?.body.tools.find(
        (t: { function: { name: string } }) => t.function.name === "memory_append",
      );
      assert.equal(append.type, "function");
      assert.deepEqual(append.function.parameters.required, ["label", "text"]);
      // The second request carries the call and its result, and must answer.
      assert.equal(second?.body.tool_choice, "none");
      const assistant = second?.body.messages.at(-2);
      assert.equal(assistant.role, "assistant");
      assert.equal(assistant.tool_calls[0].id, "call_chatcmpl-1_0");
      assert.equal(assistant.tool_calls[0].function.name, "memory_append");
      assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), {
        label: "human",
        text: "Likes tea",
      });
      const tool = second?.body.messages.at(-1);
      assert.equal(tool.role, "tool");
      assert.equal(tool.tool_call_id, "call_chatcmpl-1_0");
      assert.match(tool.content, /"ok":true/);
    } finally {
      await engram.close();
      await server.close();
    }
  });

  it("streaming: text deltas and tool calls arrive as SSE chunks, with the same outcome", async () => {
    const server = await startFakeChatServer([{ toolCalls: [APPEND] }, { text: "Noted, you like tea." }]);
    const engram = engramFor(server.url);
    try {
      const agent = await engram.agents.create({ name: "a" });
      const events: TurnEvent[] = [];
      for await (const event of await engram.runtime.stream(agent.id, { content: "I like tea" }))
        events.push(event);
      assert.ok(server.requests.every((r) => r.body.stream === true));
      const call = events.find((e) => e.type === "tool-call");
      assert.deepEqual(call?.type === "tool-call" && call.input, { label: "human", text: "Likes tea" });
      const deltas = events.filter((e) => e.type === "text-delta");
      assert.ok(deltas.length >= 4);
      const done = events.at(-1);
      assert.equal(done?.type, "done");
      assert.equal(done?.type === "done" && done.answer, "Noted, you like tea.");
      assert.equal((await engram.blocks.get(agent.id, "human")).value, "Likes tea");
    } finally {
      await engram.close();
      await server.close();
    }
  });

  it("wire faults: 401 fails at once, 429 is retried, a dropped stream fails the turn", async () => {
    const server = await startFakeChatServer([
      { status: 401, message: "Incorrect API key provided" },
      { status: 429, message: "Rate limit reached", headers: { "retry-after-ms": "1" } },
      { text: "Back again." },
      { cutAfter: "Half an ans" },
    ]);
    const engram = engramFor(server.url);
    try {
      const agent = await engram.agents.create({ name: "a" });
      await assert.rejects(
        engram.runtime.send(agent.id, { content: "one" }),
        (error: Error & { details?: { reason?: string } }) => {
          assert.match(error.message, /refused the credentials \(HTTP 401\): Incorrect API key provided/);
          assert.equal(error.details?.reason, "auth");
          return true;
        },
      );
      assert.equal(server.requests.length, 1);
      assert.equal((await engram.runtime.send(agent.id, { content: "two" })).answer, "Back again.");
      assert.equal(server.requests.length, 3);
      const events: TurnEvent[] = [];
      for await (const event of await engram.runtime.stream(agent.id, { content: "three" }))
        events.push(event);
      const last = events.at(-1);
      assert.equal(last?.type, "error");
      assert.equal(last?.type === "error" && last.error.details?.reason, "stream");
      const log = (await engram.messages.list(agent.id)).items;
      assert.deepEqual(
        log.map((m) => m.role),
        ["user", "system", "user", "assistant", "user", "system"],
      );
      assert.equal(log.at(-1)?.metadata.partialText, "Half an ans");
    } finally {
      await engram.close();
      await server.close();
    }
  });
});
