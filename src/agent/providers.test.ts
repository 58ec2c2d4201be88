import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { startAnthropicStream, startRecordingServer } from "../test/recording-server.ts";
import type { TurnEvent } from "./turn-events.ts";

/** A local stand-in for Anthropic's Messages API (non-streaming), answering in its wire format. */
async function startFakeAnthropic(replies: object[]) {
  const server = await startRecordingServer((_request, res) => {
    const content = replies.shift();
    const toolUse = Array.isArray(content) && content.some((c: { type: string }) => c.type === "tool_use");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: `msg_${server.seen.length}`,
        type: "message",
        role: "assistant",
        model: "claude-test",
        content,
        stop_reason: toolUse ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 50, output_tokens: 10 },
      }),
    );
  });
  return { url: `${server.origin}/v1`, seen: server.seen, close: server.close };
}

async function streamed(engram: ReturnType<typeof createEngram>, agentId: string, content: string) {
  const events: TurnEvent[] = [];
  for await (const event of await engram.runtime.stream(agentId, { content })) events.push(event);
  return events;
}

/**
 * Checks that a streamed turn against `server` (configured by `env`), whose stream stops without a
 * finish reason after "Half an ans", fails as a broken stream: its text is kept only as the error
 * record's partial text, never stored as the assistant's answer. Closes the server.
 */
async function assertIncomplete(server: { close(): Promise<void> }, env: Record<string, string>) {
  const engram = createEngram({ path: ":memory:", env });
  try {
    const agent = await engram.agents.create({ name: "a" });
    const events = await streamed(engram, agent.id, "Hi");
    assert.ok(!events.some((e) => e.type === "done"));
    const last = events.at(-1);
    assert.equal(last?.type, "error");
    const error = last?.type === "error" ? last.error : undefined;
    assert.equal(error?.details?.reason, "stream");
    assert.match(error?.message ?? "", /without a finish reason/i);
    const log = (await engram.messages.list(agent.id)).items;
    assert.deepEqual(
      log.map((m) => m.role),
      ["user", "system"],
    );
    assert.equal(log.at(-1)?.metadata.partialText, "Half an ans");
  } finally {
    await engram.close();
    await server.close();
  }
}

describe("model providers, against local servers in their wire formats", () => {
  it("anthropic: a tool round through the Messages API, at ANTHROPIC_BASE_URL", async () => {
    const server = await startFakeAnthropic([
      [
        { type: "text", text: "Noting that." },
        {
          type: "tool_use",
          id: "toolu_1",
          name: "memory_append",
          input: { label: "human", text: "Likes tea" },
        },
      ],
      [{ type: "text", text: "Noted: you like tea." }],
    ]);
    const engram = createEngram({
      path: ":memory:",
      env: {
        ENGRAM_MODEL: "anthropic:claude-test",
        ANTHROPIC_API_KEY: "sk-test",
        ANTHROPIC_BASE_URL: server.url,
      },
    });
    try {
      const agent = await engram.agents.create({ name: "a", instructions: "Be brief." });
      const result = await engram.runtime.send(agent.id, { content: "I like tea" });
      assert.equal(result.answer, "Noted: you like tea.");
      assert.equal((await engram.blocks.get(agent.id, "human")).value, "Likes tea");
      assert.deepEqual(result.usage, { inputTokens: 100, outputTokens: 20, totalTokens: 120 });
      const [first, second] = server.seen;
      assert.equal(first?.path, "/v1/messages");
      assert.equal(first?.headers["x-api-key"], "sk-test");
      assert.equal(first?.body.model, "claude-test");
      assert.match(JSON.stringify(first?.body.system), /Be brief\./);
      const append = first?.body.tools.find((t: { name: string }) => t.name === "memory_append");
      assert.deepEqual(append.input_schema.required, ["label", "text"]);
      // The second request replays the tool use and carries its result.
      const [assistant, user] = second?.body.messages.slice(-2) ?? [];
      assert.equal(assistant.role, "assistant");
      assert.deepEqual(
        assistant.content.find((c: { type: string }) => c.type === "tool_use"),
        {
          type: "tool_use",
          id: "toolu_1",
          name: "memory_append",
          input: { label: "human", text: "Likes tea" },
        },
      );
      assert.equal(user.role, "user");
      assert.equal(user.content[0].type, "tool_result");
      assert.equal(user.content[0].tool_use_id, "toolu_1");
      // It must answer now: tools may not be chosen.
      assert.deepEqual(second?.body.tool_choice, { type: "none" });
    } finally {
      await engram.close();
      await server.close();
    }
  });

  it("openai: chat completions at OPENAI_BASE_URL with OPENAI_API_KEY", async () => {
    const server = await startFakeChatServer([{ text: "Hello from OpenAI's format." }]);
    const engram = createEngram({
      path: ":memory:",
      env: { ENGRAM_MODEL: "openai:gpt-4o-mini", OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: server.url },
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      assert.equal(
        (await engram.runtime.send(agent.id, { content: "Hi" })).answer,
        "Hello from OpenAI's format.",
      );
      assert.equal(server.requests[0]?.path, "/v1/chat/completions");
      assert.equal(server.requests[0]?.headers.authorization, "Bearer sk-test");
      assert.equal(server.requests[0]?.body.model, "gpt-4o-mini");
    } finally {
      await engram.close();
      await server.close();
    }
  });

  it("anthropic: ANTHROPIC_AUTH_TOKEN is sent as Authorization: Bearer, with no x-api-key", async () => {
    const server = await startFakeAnthropic([[{ type: "text", text: "Hello through a gateway." }]]);
    const engram = createEngram({
      path: ":memory:",
      env: {
        ENGRAM_MODEL: "anthropic:claude-test",
        ANTHROPIC_AUTH_TOKEN: "token-test",
        ANTHROPIC_BASE_URL: server.url,
      },
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      const result = await engram.runtime.send(agent.id, { content: "Hi" });
      assert.equal(result.answer, "Hello through a gateway.");
      assert.equal(server.seen[0]?.path, "/v1/messages");
      assert.equal(server.seen[0]?.headers.authorization, "Bearer token-test");
      assert.equal(server.seen[0]?.headers["x-api-key"], undefined);
    } finally {
      await engram.close();
      await server.close();
    }
  });

  for (const [spec, env] of [
    ["openai:gpt-4o-mini", (url: string) => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: url })],
    ["openai-compatible:local", (url: string) => ({ OPENAI_COMPATIBLE_BASE_URL: url })],
    ["ollama:qwen3:8b", (url: string) => ({ OLLAMA_BASE_URL: url.replace(/\/v1$/, "") })],
  ] as const) {
    it(`${spec}: a stream that closes without a finish reason fails the turn`, async () => {
      const server = await startFakeChatServer([{ endAfter: "Half an ans" }]);
      await assertIncomplete(server, { ENGRAM_MODEL: spec, ...env(server.url) });
    });
  }

  it("anthropic: a stream that closes before its message_delta fails the turn", async () => {
    const server = await startRecordingServer((_seen, res) => {
      startAnthropicStream(res, "Half an ans");
      // Closed cleanly, with no message_delta (which carries stop_reason) and no message_stop.
      res.end();
    });
    await assertIncomplete(server, {
      ENGRAM_MODEL: "anthropic:claude-test",
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.origin,
    });
  });

  it("ollama: models resolve to the server at OLLAMA_BASE_URL, under /v1", async () => {
    const server = await startFakeChatServer([{ text: "Hello from a local model." }]);
    const engram = createEngram({
      path: ":memory:",
      // Ollama's base URL is given without /v1, as Ollama documents it.
      env: { ENGRAM_MODEL: "ollama:qwen3:8b", OLLAMA_BASE_URL: server.url.replace(/\/v1$/, "") },
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      const result = await engram.runtime.send(agent.id, { content: "Hi" });
      assert.equal(result.answer, "Hello from a local model.");
      assert.equal(server.requests[0]?.path, "/v1/chat/completions");
      assert.equal(server.requests[0]?.body.model, "qwen3:8b");
    } finally {
      await engram.close();
      await server.close();
    }
  });
});
