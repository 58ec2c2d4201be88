import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { Engram } from "../engram.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import { type RunningServer, startServer } from "./serve.ts";

/**
 * The official `openai` client against a real server over a socket, with a scripted model behind
 * the agent: what an application already written for OpenAI's API sees.
 */

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city now",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const script: ScriptStep[] = [
  // 1: a plain completion
  { text: "Hello Ada, nice to meet you." },
  // 2: a streamed one
  { text: "You said hello before.", usage: { input: 12, output: 6 } },
  // 3: the model calls the client's tool, then 4: answers from its result
  { toolCalls: [{ name: "get_weather", input: { city: "Oslo" }, id: "call_weather" }] },
  { text: "It is 3°C and snowing in Oslo." },
  // 5: a streamed call of the client's tool
  { toolCalls: [{ name: "get_weather", input: { city: "Bergen" }, id: "call_bergen" }] },
];

describe("the OpenAI-compatible endpoint, through the official openai client", () => {
  let engram: Engram;
  let server: RunningServer;
  let client: OpenAI;
  let foreign: OpenAI;
  let agentId: string;
  const model = scriptedModel(script);

  before(async () => {
    engram = createTestEngram({ model });
    const mine = await engram.keys.create({ project: "mine" }, { createProject: true });
    const theirs = await engram.keys.create({ project: "theirs" }, { createProject: true });
    agentId = (await engram.forProject(mine.project.id).agents.create({ name: "helper" })).id;
    await engram.forProject(theirs.project.id).agents.create({ name: "their-agent" });
    server = await startServer({
      engram,
      port: 0,
      auth: true,
      rateLimit: false,
      maxBodyBytes: 64 * 1024,
      onInternalError: (error) => assert.fail(String(error)),
    });
    const options = { baseURL: `${server.url}/v1`, maxRetries: 0 };
    client = new OpenAI({ ...options, apiKey: mine.key });
    foreign = new OpenAI({ ...options, apiKey: theirs.key });
  });

  after(async () => {
    await server.close();
    engram.close();
  });

  test("lists the key's agents as models", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ["agent:helper"]);
    const theirs = [];
    for await (const m of foreign.models.list()) theirs.push(m.id);
    assert.deepEqual(theirs, ["agent:their-agent"]);
  });

  test("retrieves one agent as a model, by `agent:NAME`, id or bare name, and only the key's own", async () => {
    const listed = (await client.models.list()).data[0];
    for (const ref of ["agent:helper", agentId, "helper"]) {
      assert.deepEqual(await client.models.retrieve(ref), { ...listed, id: "agent:helper" });
    }
    await assert.rejects(foreign.models.retrieve("agent:helper"), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.code, "model_not_found");
      assert.equal(error.param, "model");
      assert.match(error.message, /The model 'agent:helper' does not exist/);
      return true;
    });
  });

  test("a plain completion runs a turn of the agent", async () => {
    const completion = await client.chat.completions.create({
      model: "agent:helper",
      user: "ada",
      messages: [
        { role: "system", content: "ignored: the agent's own instructions rule" },
        { role: "user", content: "Hi, I am Ada" },
      ],
    });
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.model, "agent:helper");
    assert.equal(completion.choices[0]?.message.content, "Hello Ada, nice to meet you.");
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.deepEqual(completion.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    // Dated by the engine's clock (the test engine's starts on 2026-01-01), not the wall clock.
    const day = Math.floor(Date.parse("2026-01-01T00:00:00Z") / 1000);
    assert.ok(completion.created >= day && completion.created < day + 86_400, String(completion.created));
    const system = JSON.stringify(model.calls[0]?.prompt[0]);
    assert.equal(system.includes("ignored"), false, "system messages of the request are not used");
  });

  test("a streamed completion comes as chunks, with the usage last", async () => {
    const stream = await client.chat.completions.create({
      model: agentId,
      user: "ada",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "user", content: "Hi, I am Ada" },
        { role: "assistant", content: "Hello Ada, nice to meet you." },
        { role: "user", content: "What did I say?" },
      ],
    });
    let text = "";
    const finishes = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, "chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) {
        assert.deepEqual(chunk.choices, []);
        usage = chunk.usage;
      }
    }
    assert.ok(chunks >= 4, `${chunks} chunks`);
    assert.equal(text, "You said hello before.");
    assert.deepEqual(finishes, ["stop"]);
    assert.deepEqual(usage, { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
  });

  test("a client-side tool round: tool_calls out, the result in, then the answer", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "What is the weather in Oslo?" },
    ];
    const first = await client.chat.completions.create({
      model: "agent:helper",
      user: "ada",
      messages,
      tools: [weatherTool],
    });
    const choice = first.choices[0];
    assert.equal(choice?.finish_reason, "tool_calls");
    const call = choice?.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.equal(call.id, "call_weather");
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), { city: "Oslo" });
    const offered = model.calls[2]?.tools?.map((t) => t.name) ?? [];
    assert.ok(offered.includes("get_weather") && offered.includes("memory_append"), offered.join());

    messages.push(choice?.message as OpenAI.ChatCompletionMessageParam, {
      role: "tool",
      tool_call_id: call.id,
      content: "3°C, snowing",
    });
    const second = await client.chat.completions.create({
      model: "agent:helper",
      user: "ada",
      messages,
      tools: [weatherTool],
    });
    assert.equal(second.choices[0]?.message.content, "It is 3°C and snowing in Oslo.");
    assert.equal(second.choices[0]?.finish_reason, "stop");
    // The model got the result as a tool result of its call.
    const prompt = JSON.stringify(model.calls[3]?.prompt);
    assert.match(prompt, /"type":"tool-result","toolCallId":"call_weather"/);
    assert.match(prompt, /3°C, snowing/);

    const log = await engram.messages.list(agentId, { userId: "ada", limit: 100 });
    const rows = log.items.map((m) => `${m.role}: ${m.content}`);
    assert.deepEqual(rows.slice(-4), [
      "user: What is the weather in Oslo?",
      `assistant: → get_weather {"city":"Oslo"}`,
      "tool: 3°C, snowing",
      "assistant: It is 3°C and snowing in Oslo.",
    ]);
    assert.equal(log.items.filter((m) => m.content === "Hi, I am Ada").length, 1, "nothing stored twice");

    // The same result sent again is refused, naming the tool message.
    const again = await client.chat.completions
      .create({ model: "agent:helper", user: "ada", messages, tools: [weatherTool] })
      .catch((e: unknown) => e);
    assert.ok(again instanceof OpenAI.BadRequestError, String(again));
    assert.equal(again.param, "messages.2.tool_call_id");
  });

  test("a streamed call of a client tool comes as delta.tool_calls, finishing with tool_calls", async () => {
    const stream = await client.chat.completions.create({
      model: "agent:helper",
      user: "bo",
      stream: true,
      messages: [{ role: "user", content: "And in Bergen?" }],
      tools: [weatherTool],
    });
    const calls = [];
    const finishes = [];
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    assert.deepEqual(calls, [
      {
        index: 0,
        id: "call_bergen",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Bergen"}' },
      },
    ]);
    assert.deepEqual(finishes, ["tool_calls"]);
  });

  test("a tool result for a call the agent is not waiting on is refused, changing nothing", async () => {
    const before = await engram.messages.list(agentId, { limit: 500 });
    const error = await client.chat.completions
      .create({
        model: "agent:helper",
        user: "ada",
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            tool_calls: [
              { id: "call_made_up", type: "function", function: { name: "get_weather", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "call_made_up", content: "sunny" },
        ],
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.type, "invalid_request_error");
    assert.match(error.message, /messages\.2\.tool_call_id: "call_made_up" is not a call/);
    assert.equal(error.param, "messages.2.tool_call_id");
    assert.deepEqual(await engram.messages.list(agentId, { limit: 500 }), before);
  });

  describe("errors in OpenAI's shape", () => {
    async function refused(request: Promise<unknown>) {
      const error = await request.catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.APIError, String(error));
      return error;
    }

    test("an unknown agent, or another project's, is 404 model_not_found", async () => {
      for (const name of ["agent:nobody", "agent:their-agent", "their-agent"]) {
        const error = await refused(
          client.chat.completions.create({ model: name, messages: [{ role: "user", content: "hi" }] }),
        );
        assert.ok(error instanceof OpenAI.NotFoundError, name);
        assert.equal(error.code, "model_not_found");
        assert.equal(error.param, "model");
        assert.equal(error.type, "invalid_request_error");
      }
    });

    test("messages without a user message, and a malformed body, are 400 naming the param", async () => {
      const noUser = await refused(
        client.chat.completions.create({
          model: "agent:helper",
          messages: [{ role: "system", content: "be nice" }],
        }),
      );
      assert.ok(noUser instanceof OpenAI.BadRequestError);
      assert.equal(noUser.param, "messages");
      assert.match(noUser.message, /user message/);

      const bad = await refused(
        client.chat.completions.create({
          model: "agent:helper",
          messages: "hello" as never,
        }),
      );
      assert.ok(bad instanceof OpenAI.BadRequestError);
      assert.equal(bad.param, "messages");
      assert.equal(bad.code, "invalid_input");

      const image = await refused(
        client.chat.completions.create({
          model: "agent:helper",
          messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }],
        }),
      );
      assert.ok(image instanceof OpenAI.BadRequestError);
      assert.equal(image.param, "messages.0.content.0");
    });

    test("a client tool named like one of the agent's is 400 naming the tool's field", async () => {
      const clash = { ...weatherTool, function: { ...weatherTool.function, name: "memory_append" } };
      for (const stream of [false, true]) {
        const error = await refused(
          client.chat.completions.create({
            model: "agent:helper",
            stream,
            messages: [{ role: "user", content: "hi" }],
            tools: [weatherTool, clash],
          }),
        );
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, "tools.1.function.name");
        assert.match(
          error.message,
          /tools\.1\.function\.name: memory_append: the agent has a tool of that name/,
        );
      }
    });

    test("a bad key is 401, a body over the limit is 413", async () => {
      const anonymous = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "egk_nope", maxRetries: 0 });
      const unauthorized = await refused(anonymous.models.list());
      assert.ok(unauthorized instanceof OpenAI.AuthenticationError);
      assert.equal(unauthorized.type, "authentication_error");

      const huge = await refused(
        client.chat.completions.create({
          model: "agent:helper",
          messages: [{ role: "user", content: "x".repeat(100 * 1024) }],
        }),
      );
      assert.equal(huge.status, 413);
      assert.equal(huge.code, "payload_too_large");
    });
  });
});

test("with no language model configured, a completion is 503 and says how to configure one", async () => {
  const engram = createTestEngram();
  await engram.agents.create({ name: "helper" });
  const reported: unknown[] = [];
  const server = await startServer({ engram, port: 0, onInternalError: (error) => reported.push(error) });
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: "agent:helper", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.type, "server_error");
    assert.match(error.message, /ENGRAM_MODEL/);
    assert.equal(reported.length, 1, "a 503 is reported as the server's other 503s are");
    assert.deepEqual((await engram.messages.list((await engram.agents.find("helper")).id)).items, []);
  } finally {
    await server.close();
    engram.close();
  }
});

test("a rate-limited key is 429 in OpenAI's shape", async () => {
  const engram = createTestEngram();
  const key = await engram.keys.create({ project: "p" }, { createProject: true });
  const server = await startServer({
    engram,
    port: 0,
    auth: true,
    rateLimit: { requestsPerSecond: 0.001, burst: 1 },
  });
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.key, maxRetries: 0 });
    await client.models.list();
    const error = await client.models.list().catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.type, "rate_limit_error");
    assert.ok(error.headers?.get("retry-after"));
  } finally {
    await server.close();
    engram.close();
  }
});
