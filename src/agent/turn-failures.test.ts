import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APICallError } from "ai";
import { EngramError } from "../core/errors.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import type { RuntimeOptions } from "./runtime-config.ts";
import type { TurnEvent } from "./turn-events.ts";

function apiError(status: number, message: string, headers?: Record<string, string>) {
  return new APICallError({
    message,
    url: "http://127.0.0.1/v1/chat/completions",
    requestBodyValues: {},
    statusCode: status,
    responseHeaders: headers,
    isRetryable: status === 429 || status >= 500,
  });
}

async function setup(script: ScriptStep[], runtime: RuntimeOptions = {}) {
  const model = scriptedModel(script);
  const engram = createTestEngram({ model, env: {}, runtime });
  const agent = await engram.agents.create({ name: "helper" });
  const messages = async () => (await engram.messages.list(agent.id)).items;
  return { engram, agent, model, messages };
}

/** Runs a turn that must fail, and returns the error with its details. */
async function failing(run: () => Promise<unknown>): Promise<EngramError> {
  try {
    await run();
  } catch (error) {
    assert.ok(EngramError.isInstance(error), String(error));
    return error;
  }
  assert.fail("the turn should have failed");
}

describe("failed turns", () => {
  it("401: no retry, the user's message is kept with an error record, no answer is written", async () => {
    const { engram, agent, model, messages } = await setup([{ error: apiError(401, "Incorrect API key") }]);
    const error = await failing(() => engram.runtime.send(agent.id, { content: "Hello" }));
    assert.equal(error.code, "unavailable");
    assert.equal(error.status, 503);
    assert.match(
      error.message,
      /refused the credentials \(HTTP 401\): Incorrect API key: check the provider's API key/,
    );
    assert.equal(error.details?.reason, "auth");
    assert.equal(model.calls.length, 1);
    const log = await messages();
    assert.deepEqual(
      log.map((m) => [m.role, m.content.slice(0, 16)]),
      [
        ["user", "Hello"],
        ["system", "The turn failed:"],
      ],
    );
    assert.deepEqual(
      error.details?.messageIds,
      log.map((m) => m.id),
    );
    const record = log[1]?.metadata as {
      turnId: string;
      error: { code: string; details: { reason: string } };
    };
    assert.equal(record.turnId, error.details?.turnId);
    assert.equal(record.error.code, "unavailable");
    assert.equal(record.error.details.reason, "auth");
  });

  it("429 is retried with backoff, then the turn succeeds as if nothing happened", async () => {
    const { engram, agent, model, messages } = await setup([
      { error: apiError(429, "Rate limit reached", { "retry-after-ms": "2" }) },
      { text: "Hi there" },
    ]);
    const result = await engram.runtime.send(agent.id, { content: "Hello" });
    assert.equal(result.answer, "Hi there");
    assert.equal(model.calls.length, 2);
    assert.deepEqual(
      (await messages()).map((m) => m.role),
      ["user", "assistant"],
    );
  });

  it("500 on every attempt: gives up after the retries, saying how many attempts", async () => {
    const { engram, agent, model } = await setup(
      [
        { error: apiError(500, "boom") },
        { error: apiError(502, "bad gateway") },
        { error: apiError(503, "busy") },
      ],
      { retry: { maxRetries: 2 } },
    );
    const error = await failing(() => engram.runtime.send(agent.id, { content: "Hello" }));
    assert.equal(model.calls.length, 3);
    assert.equal(error.details?.reason, "provider_error");
    assert.equal(error.details?.attempts, 3);
    assert.match(error.message, /failed \(HTTP 503\) \(after 3 attempts\): busy/);
  });

  it("a model that does not answer in time is cut off: reason timeout", async () => {
    const { engram, agent, messages } = await setup([{ hang: true }], { timeoutMs: 30 });
    const error = await failing(() => engram.runtime.send(agent.id, { content: "Hello" }));
    assert.equal(error.details?.reason, "timeout");
    assert.match(error.message, /did not finish within 30 ms/);
    assert.equal((await messages()).length, 2);
  });

  it("a caller's abort cancels the turn, recorded as cancelled", async () => {
    const { engram, agent } = await setup([{ hang: true }]);
    const controller = new AbortController();
    const pending = engram.runtime.send(agent.id, { content: "Hello" }, { abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    const error = await failing(() => pending);
    assert.equal(error.details?.reason, "cancelled");
  });

  it("a stream cut mid-way ends with an error event; the partial text is kept only in the error record", async () => {
    const { engram, agent, messages } = await setup([
      { textBefore: "Hello wor", streamError: new Error("connection reset") },
    ]);
    const events: TurnEvent[] = [];
    for await (const event of await engram.runtime.stream(agent.id, { content: "Hi" })) events.push(event);
    const types = events.map((e) => e.type);
    assert.equal(types[0], "start");
    assert.ok(types.includes("text-delta"));
    assert.equal(types.at(-1), "error");
    assert.ok(!types.includes("done") && !types.includes("message"));
    const last = events.at(-1) as Extract<TurnEvent, { type: "error" }>;
    assert.equal(last.error.details?.reason, "stream");
    assert.match(
      last.error.message,
      /the stream from model scripted:scripted-model broke off: connection reset/,
    );
    const log = await messages();
    assert.deepEqual(
      last.messageIds,
      log.map((m) => m.id),
    );
    assert.deepEqual(
      log.map((m) => m.role),
      ["user", "system"],
    );
    assert.equal(log[1]?.metadata.partialText, "Hello wor");
  });

  it("malformed tool arguments and an unknown tool go back to the model, which recovers", async () => {
    const { engram, agent, model } = await setup([
      {
        toolCalls: [
          { name: "memory_append", input: '{"label": "human", "text": ' },
          { name: "delete_everything", input: {} },
        ],
      },
      { text: "Let me answer without that." },
    ]);
    const result = await engram.runtime.send(agent.id, { content: "Hello" });
    assert.equal(result.answer, "Let me answer without that.");
    const [, assistant, bad, unknown] = result.messages;
    assert.deepEqual(
      (assistant?.metadata.toolCalls as { invalid?: boolean }[] | undefined)?.map((c) => c.invalid),
      [true, true],
    );
    assert.equal(bad?.metadata.isError, true);
    assert.match(bad?.content ?? "", /Invalid input for tool memory_append/);
    assert.equal(unknown?.metadata.isError, true);
    assert.match(unknown?.content ?? "", /unavailable tool 'delete_everything'/);
    assert.match(JSON.stringify(model.calls[1]?.prompt), /unavailable tool/);
    assert.deepEqual(result.edits, []);
  });

  it("a failure after a tool edited memory keeps the commit and lists it in the error record", async () => {
    const { engram, agent, messages } = await setup([
      { toolCalls: [{ name: "memory_append", input: { label: "human", text: "Likes tea" } }] },
      { error: apiError(400, "context length exceeded") },
    ]);
    const error = await failing(() => engram.runtime.send(agent.id, { content: "I like tea" }));
    assert.equal(error.details?.reason, "rejected");
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Likes tea");
    const record = (await messages())[1]?.metadata as {
      edits: { label: string; commitId: string }[];
      toolCalls: { toolName: string }[];
    };
    const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.deepEqual(
      record.edits.map((e) => [e.label, e.commitId]),
      [["human", head?.id]],
    );
    assert.deepEqual(
      record.toolCalls.map((c) => c.toolName),
      ["memory_append"],
    );
  });

  it("an empty answer is a failed turn, not an empty message", async () => {
    const { engram, agent } = await setup([{ text: "" }]);
    const error = await failing(() => engram.runtime.send(agent.id, { content: "Hello" }));
    assert.equal(error.details?.reason, "empty_answer");
  });

  it("an empty message, an unknown agent or no model is refused before anything is written", async () => {
    const { engram, agent, model, messages } = await setup([]);
    for (const content of ["", "   \n "]) {
      const error = await failing(() => engram.runtime.send(agent.id, { content }));
      assert.equal(error.code, "invalid_input");
      assert.equal(error.message, "invalid message: content: must not be empty");
    }
    const missing = await failing(() =>
      engram.runtime.send("agt_00000000000000000000000000", { content: "hi" }),
    );
    assert.equal(missing.code, "not_found");
    await assert.rejects(engram.runtime.stream(agent.id, { content: "" }), /content: must not be empty/);

    const bare = createTestEngram({ env: {} });
    const lonely = await bare.agents.create({ name: "lonely" });
    const none = await failing(() => bare.runtime.send(lonely.id, { content: "hi" }));
    assert.equal(none.code, "unavailable");
    assert.match(none.message, /^no language model is configured: set ENGRAM_MODEL/);
    assert.deepEqual((await bare.messages.list(lonely.id)).items, []);
    assert.deepEqual(await messages(), []);
    assert.equal(model.calls.length, 0);
  });

  it("the next turn sees the kept user message but not the error record", async () => {
    const { engram, agent, model } = await setup([
      { error: apiError(401, "bad key") },
      { text: "Sorry about that" },
    ]);
    await failing(() => engram.runtime.send(agent.id, { content: "first try" }));
    await engram.runtime.send(agent.id, { content: "second try" });
    const prompt = model.calls[1]?.prompt ?? [];
    const texts = JSON.stringify(prompt);
    assert.match(texts, /first try/);
    assert.match(texts, /second try/);
    assert.doesNotMatch(texts, /The turn failed/);
  });
});
