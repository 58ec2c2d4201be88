import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import type { TurnEvent } from "../agent/turn-events.ts";
import { runCli, sandbox, serveInProcess } from "../cli/test-harness.ts";
import { createEngram } from "../engram.ts";
import { type SeenRequest, startAnthropicStream, startRecordingServer } from "../test/recording-server.ts";
import { embedderFromSpec } from "./embedding-model.ts";
import { createHashEmbedder } from "./hash-embedder.ts";
import { resolveLanguageModel } from "./language-model.ts";

const USAGE = { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 };

/**
 * Chat completions as OpenAI, vLLM, llama.cpp and Ollama's /v1 send them: a stream carries usage
 * only in a last chunk with no choices, and only when the request asked with
 * `stream_options.include_usage`. `midStreamError` sends an error object in the stream after some
 * text, as vLLM and OpenAI do when generation fails after it started.
 */
function openAiChat(options: { midStreamError?: boolean } = {}) {
  return ({ body }: SeenRequest, res: ServerResponse) => {
    const base = { id: "chatcmpl-1", created: 1_700_000_000, model: body.model };
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: "Hello." }, finish_reason: "stop" }],
          usage: USAGE,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (fields: object) =>
      res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", ...fields })}\n\n`);
    chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }] });
    if (options.midStreamError) {
      res.write(
        `data: ${JSON.stringify({ error: { message: "the model crashed", type: "server_error" } })}\n\n`,
      );
      res.end();
      return;
    }
    chunk({ choices: [{ index: 0, delta: { content: "lo." }, finish_reason: null }] });
    chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
    if (body.stream_options?.include_usage === true) chunk({ choices: [], usage: USAGE });
    res.end("data: [DONE]\n\n");
  };
}

async function streamed(engram: ReturnType<typeof createEngram>, agentId: string, content: string) {
  const events: TurnEvent[] = [];
  for await (const event of await engram.runtime.stream(agentId, { content })) events.push(event);
  return events;
}

describe("usage of streamed turns", () => {
  let server: Awaited<ReturnType<typeof startRecordingServer>>;
  before(async () => {
    server = await startRecordingServer(openAiChat());
  });
  after(() => server.close());

  for (const [spec, env] of [
    ["ollama:qwen3:8b", (origin: string) => ({ OLLAMA_BASE_URL: origin })],
    ["openai-compatible:local", (origin: string) => ({ OPENAI_COMPATIBLE_BASE_URL: `${origin}/v1` })],
    [
      "openai:gpt-4o-mini",
      (origin: string) => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: `${origin}/v1` }),
    ],
  ] as const) {
    it(`${spec}: a stream asks for usage, and the turn records it`, async () => {
      const engram = createEngram({ path: ":memory:", env: { ENGRAM_MODEL: spec, ...env(server.origin) } });
      try {
        const agent = await engram.agents.create({ name: "a" });
        const done = (await streamed(engram, agent.id, "Hi")).at(-1);
        assert.equal(done?.type, "done");
        assert.deepEqual(server.seen.at(-1)?.body.stream_options, { include_usage: true });
        assert.deepEqual(done?.type === "done" && done.usage, {
          inputTokens: 50,
          outputTokens: 10,
          totalTokens: 60,
        });
        const answer = (await engram.messages.list(agent.id)).items.at(-1);
        assert.deepEqual(answer?.metadata.usage, { inputTokens: 50, outputTokens: 10, totalTokens: 60 });
      } finally {
        await engram.close();
      }
    });
  }
});

describe("an error the provider sends inside a stream", () => {
  it("openai-compatible: the failed turn says what the provider said", async () => {
    const server = await startRecordingServer(openAiChat({ midStreamError: true }));
    const engram = createEngram({
      path: ":memory:",
      env: { ENGRAM_MODEL: "openai-compatible:local", OPENAI_COMPATIBLE_BASE_URL: `${server.origin}/v1` },
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      const last = (await streamed(engram, agent.id, "Hi")).at(-1);
      assert.equal(last?.type, "error");
      const error = last?.type === "error" ? last.error : undefined;
      assert.equal(error?.details?.reason, "stream");
      assert.match(error?.message ?? "", /broke off: the model crashed/);
      assert.doesNotMatch(error?.message ?? "", /\[object Object\]/);
    } finally {
      await engram.close();
      await server.close();
    }
  });

  it("anthropic: an overloaded_error event mid-stream is reported with its message", async () => {
    const server = await startRecordingServer((_seen, res) => {
      const event = startAnthropicStream(res, "Half an ");
      event("error", { error: { type: "overloaded_error", message: "Overloaded" } });
      res.end();
    });
    const engram = createEngram({
      path: ":memory:",
      env: {
        ENGRAM_MODEL: "anthropic:claude-test",
        ANTHROPIC_API_KEY: "sk-test",
        ANTHROPIC_BASE_URL: `${server.origin}/v1`,
      },
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      const last = (await streamed(engram, agent.id, "Hi")).at(-1);
      assert.equal(last?.type, "error");
      const message = last?.type === "error" ? last.error.message : "";
      assert.match(message, /broke off: Overloaded \(overloaded_error\)/);
      const record = (await engram.messages.list(agent.id)).items.at(-1);
      assert.equal(record?.metadata.partialText, "Half an ");
    } finally {
      await engram.close();
      await server.close();
    }
  });
});

describe("base URLs", () => {
  it("a base URL that is not an http(s) URL is refused before the turn, naming the setting", async () => {
    for (const [spec, env, name] of [
      ["ollama:qwen3:8b", { OLLAMA_BASE_URL: "127.0.0.1:11434" }, "OLLAMA_BASE_URL"],
      ["ollama:qwen3:8b", { OLLAMA_BASE_URL: "localhost" }, "OLLAMA_BASE_URL"],
      [
        "openai-compatible:local",
        { OPENAI_COMPATIBLE_BASE_URL: "localhost:8080/v1" },
        "OPENAI_COMPATIBLE_BASE_URL",
      ],
      [
        "openai:gpt-4o-mini",
        { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: "api.example.com/v1" },
        "OPENAI_BASE_URL",
      ],
      [
        "anthropic:claude-test",
        { ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: "ftp://gateway.example.com" },
        "ANTHROPIC_BASE_URL",
      ],
    ] as const) {
      const engram = createEngram({ path: ":memory:", env: { ENGRAM_MODEL: spec, ...env } });
      try {
        const agent = await engram.agents.create({ name: "a" });
        await assert.rejects(
          engram.runtime.send(agent.id, { content: "Hi" }),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, "unavailable");
            assert.match(
              error.message,
              new RegExp(`model ${spec} needs ${name} to be an http:// or https:// URL`),
            );
            return true;
          },
        );
        // Refused before it started: nothing was written.
        assert.deepEqual((await engram.messages.list(agent.id)).items, []);
      } finally {
        await engram.close();
      }
    }
    assert.throws(
      () =>
        createEngram({
          path: ":memory:",
          env: { ENGRAM_EMBEDDING_MODEL: "ollama:nomic-embed-text", OLLAMA_BASE_URL: "127.0.0.1:11434" },
        }),
      /embedding model ollama:nomic-embed-text needs OLLAMA_BASE_URL to be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it("ollama: the server's address, its /v1 or its native /api all reach /v1/chat/completions", async () => {
    const server = await startRecordingServer(openAiChat());
    try {
      for (const suffix of ["", "/", "/v1", "/v1/", "/api", "/api/"]) {
        const engram = createEngram({
          path: ":memory:",
          env: { ENGRAM_MODEL: "ollama:qwen3:8b", OLLAMA_BASE_URL: `${server.origin}${suffix}` },
        });
        try {
          const agent = await engram.agents.create({ name: "a" });
          assert.equal((await engram.runtime.send(agent.id, { content: "Hi" })).answer, "Hello.");
          assert.equal(
            server.seen.at(-1)?.path,
            "/v1/chat/completions",
            `OLLAMA_BASE_URL ending "${suffix}"`,
          );
        } finally {
          await engram.close();
        }
      }
    } finally {
      await server.close();
    }
  });

  it("anthropic: ANTHROPIC_BASE_URL as Anthropic's SDK and gateways take it (no /v1) reaches /v1/messages", async () => {
    const server = await startRecordingServer((_seen, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "msg_1",
          type: "message",
          role: "assistant",
          model: "claude-test",
          content: [{ type: "text", text: "Hello." }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: { input_tokens: 40, output_tokens: 7 },
        }),
      );
    });
    try {
      for (const suffix of ["", "/", "/v1", "/v1/"]) {
        const engram = createEngram({
          path: ":memory:",
          env: {
            ENGRAM_MODEL: "anthropic:claude-test",
            ANTHROPIC_API_KEY: "sk-test",
            ANTHROPIC_BASE_URL: `${server.origin}${suffix}`,
          },
        });
        try {
          const agent = await engram.agents.create({ name: "a" });
          assert.equal((await engram.runtime.send(agent.id, { content: "Hi" })).answer, "Hello.");
          assert.equal(server.seen.at(-1)?.path, "/v1/messages", `ANTHROPIC_BASE_URL ending "${suffix}"`);
        } finally {
          await engram.close();
        }
      }
    } finally {
      await server.close();
    }
  });

  it("the engine's env decides the base URL: OPENAI_BASE_URL in process.env is not used behind its back", () => {
    const saved = process.env.OPENAI_BASE_URL;
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:1/v1";
    try {
      const model = resolveLanguageModel("openai:gpt-4o-mini", { OPENAI_API_KEY: "sk-test" });
      // The provider's own address (its model keeps how it builds request URLs in `config`).
      const { config } = model as unknown as { config: { url(o: { path: string }): string } };
      assert.equal(config.url({ path: "/chat/completions" }), "https://api.openai.com/v1/chat/completions");
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });
});

describe("a provider that cannot be reached or has no such model", () => {
  it("names the setting that says where the server is", async () => {
    // A port nothing listens on: taken, then given back.
    const closed = await startRecordingServer(() => {});
    await closed.close();
    const missing = await startRecordingServer((_seen, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found");
    });
    try {
      for (const [env, expected] of [
        [
          { OLLAMA_BASE_URL: closed.origin },
          /could not reach model ollama:qwen3:8b \(after 2 attempts\): .*\(check OLLAMA_BASE_URL, and that the server there is running\)/,
        ],
        [
          { OLLAMA_BASE_URL: missing.origin },
          /model ollama:qwen3:8b was not found \(HTTP 404\).*: check the model's name, and that OLLAMA_BASE_URL is the API's base URL/,
        ],
      ] as const) {
        const engram = createEngram({
          path: ":memory:",
          env: { ENGRAM_MODEL: "ollama:qwen3:8b", ...env },
          runtime: { retry: { maxRetries: 1, baseDelayMs: 1 } },
        });
        try {
          const agent = await engram.agents.create({ name: "a" });
          await assert.rejects(engram.runtime.send(agent.id, { content: "Hi" }), expected);
        } finally {
          await engram.close();
        }
      }
    } finally {
      await missing.close();
    }
  });
});

/**
 * OpenAI's embeddings endpoint with its limit on each input (8,191 tokens; here counted as one a
 * byte of UTF-8, more than any tokenizer makes): a longer one fails the whole request with 400.
 */
function openAiEmbeddings(maxTokens = 8191) {
  return async ({ body }: SeenRequest, res: ServerResponse) => {
    const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
    const tokens = inputs.map((text) => Buffer.byteLength(text));
    const over = tokens.find((n) => n > maxTokens);
    if (over !== undefined) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: `This model's maximum context length is ${maxTokens} tokens, however you requested ${over} tokens (${over} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
            type: "invalid_request_error",
            param: null,
            code: null,
          },
        }),
      );
      return;
    }
    const vectors = await createHashEmbedder(16, { thread: false }).embed(inputs);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        object: "list",
        model: body.model,
        data: vectors.map((vector, index) => ({ object: "embedding", index, embedding: [...vector] })),
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
  };
}

describe("texts longer than an embedding model takes", () => {
  it("a long message is embedded by its beginning: its batch and a reindex succeed", async () => {
    const server = await startRecordingServer(openAiEmbeddings());
    // Within engram's own limit for a message (100,000 characters), far over the model's.
    const long = `${"The quarterly report says revenue grew strongly. ".repeat(800)}`;
    const wide = "売上は大きく伸びた。".repeat(2000); // three bytes a character
    const engram = createEngram({
      path: ":memory:",
      env: {
        ENGRAM_EMBEDDING_MODEL: "openai:text-embedding-3-small",
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: `${server.origin}/v1`,
      },
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      await engram.messages.appendMany(agent.id, [
        { role: "user", content: "a short one about cats" },
        { role: "assistant", content: long },
        { role: "user", content: wide },
      ]);
      assert.ok(
        server.seen.every((r) => r.body.input.every((text: string) => Buffer.byteLength(text) <= 8191)),
        "no input is longer than the model takes",
      );
      const cut = server.seen.flatMap((r) => r.body.input as string[]).find((t) => t.startsWith("売上"));
      assert.ok(cut !== undefined && wide.startsWith(cut), "a text is cut at a character, never inside one");
      const reindexed = await engram.vectors.reindex();
      assert.equal(reindexed.complete, true);
      // Every message got its vector with its write: there was nothing left to embed.
      assert.deepEqual(reindexed.embedded, { memories: 0, messages: 0 });
      const { results } = await engram.search(agent.id, {
        query: "revenue grew",
        sources: ["messages"],
        k: 1,
      });
      assert.equal(results[0]?.text, long);
      assert.equal(results[0]?.components.vectorRank, 1);
    } finally {
      await engram.close();
      await server.close();
    }
  });

  it("ENGRAM_EMBEDDING_MAX_BYTES cuts for a model with a small window, and a bad one is refused", async () => {
    const server = await startRecordingServer(openAiEmbeddings(512));
    try {
      const env = {
        OPENAI_COMPATIBLE_BASE_URL: `${server.origin}/v1`,
        ENGRAM_EMBEDDING_MAX_BYTES: "512",
      };
      const vectors = await embedderFromSpec("openai-compatible:bge-small", env).embed([
        "x".repeat(2000),
        "short",
      ]);
      assert.equal(vectors.length, 2);
      assert.deepEqual(
        server.seen.at(-1)?.body.input.map((t: string) => t.length),
        [512, 5],
      );
      for (const bad of ["0", "-5", "1.5", "lots"])
        assert.throws(
          () => embedderFromSpec("openai-compatible:bge-small", { ...env, ENGRAM_EMBEDDING_MAX_BYTES: bad }),
          new RegExp(
            `ENGRAM_EMBEDDING_MAX_BYTES: must be a whole number of bytes of at least 16, not "${bad}"`,
          ),
        );
    } finally {
      await server.close();
    }
  });
});

describe("engram serve with an ENGRAM_MODEL no turn could call", () => {
  it("refuses to start, naming ENGRAM_MODEL and what is wrong", async () => {
    const s = sandbox();
    try {
      for (const [env, expected] of [
        [{ ENGRAM_MODEL: "opneai:gpt-4o-mini" }, /ENGRAM_MODEL: unknown model provider "opneai"/],
        [
          { ENGRAM_MODEL: "gpt-4o-mini" },
          /ENGRAM_MODEL: model "gpt-4o-mini" must be provider:model, e\.g\. openai:gpt-4o-mini/,
        ],
        [
          { ENGRAM_MODEL: "openai:gpt-4o-mini" },
          /ENGRAM_MODEL: model openai:gpt-4o-mini needs OPENAI_API_KEY to be set/,
        ],
        [
          { ENGRAM_MODEL: "ollama:qwen3:8b", OLLAMA_BASE_URL: "127.0.0.1:11434" },
          /ENGRAM_MODEL: model ollama:qwen3:8b needs OLLAMA_BASE_URL to be an http:\/\/ or https:\/\/ URL/,
        ],
      ] as const) {
        // Were it to start, it would run until this stop signal, and exit 0.
        const outcome = await runCli(["serve", "--port", "0", "--no-sleep", "--db", s.db], {
          env,
          shutdown: () => new Promise((resolve) => setTimeout(() => resolve("SIGTERM"), 2000)),
        });
        assert.equal(outcome.code, 1, outcome.stdout + outcome.stderr);
        assert.match(outcome.stderr, expected);
        assert.doesNotMatch(outcome.stdout, /listening/);
      }
      // A model it can call starts it.
      const server = serveInProcess(s, {
        env: { ENGRAM_MODEL: "ollama:qwen3:8b" },
        extra: ["--no-sleep"],
      });
      assert.match(await server.ready, /listening on/);
      assert.equal(await server.stop(), 0);
    } finally {
      s.cleanup();
    }
  });
});
