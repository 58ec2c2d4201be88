import assert from "node:assert/strict";
import { test } from "node:test";
import { APICallError } from "@ai-sdk/provider";
import OpenAI from "openai";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { startServer } from "./serve.ts";

/**
 * A chat completion is not idempotent: a failed turn keeps the user's message, and a timed-out one
 * goes on running. The official client retries every 5xx twice by default, so the server tells it
 * not to (`x-should-retry: false`); otherwise the message would be stored, and shown to the model,
 * three times.
 */

const failing = () =>
  new APICallError({
    message: "upstream down",
    url: "https://provider.invalid",
    requestBodyValues: {},
    statusCode: 500,
    isRetryable: true,
  });

/** The official client at the server, with its default two retries of a 5xx, counting its requests. */
function countingClient(url: string) {
  let requests = 0;
  const client = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: "unused",
    maxRetries: 2,
    fetch: (input, init) => {
      requests++;
      return fetch(input, init);
    },
  });
  return { client, requests: () => requests };
}

test("a failed turn is 503 that the openai client does not retry, so the message is kept once", async () => {
  const model = scriptedModel((call) => (call < 3 ? { error: failing() } : { text: "Hello Ada." }));
  const engram = createTestEngram({ model });
  const agent = await engram.agents.create({ name: "helper" });
  const server = await startServer({ engram, port: 0, rateLimit: false, onInternalError: () => {} });
  const { client, requests } = countingClient(server.url);
  try {
    const error = await client.chat.completions
      .create({ model: "agent:helper", user: "ada", messages: [{ role: "user", content: "I am Ada" }] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.headers?.get("x-should-retry"), "false");
    assert.equal(requests(), 1, "the client did not retry");
    const users = await engram.messages.list(agent.id, { userId: "ada", roles: ["user"] });
    assert.deepEqual(
      users.items.map((m) => m.content),
      ["I am Ada"],
    );
  } finally {
    await server.close();
    engram.close();
  }
});

test("a chat completion whose turn times out is not retried either; the request timeout leaves it to the turn's", async () => {
  const scripted = scriptedModel([{ text: "late" }]);
  // A model slower than the turn's time-out (and the request's, which turns are not held to).
  const model = {
    ...scripted,
    doGenerate: async (options: Parameters<typeof scripted.doGenerate>[0]) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return scripted.doGenerate(options);
    },
  };
  const engram = createTestEngram({ model, runtime: { timeoutMs: 100 } });
  await engram.agents.create({ name: "helper" });
  const server = await startServer({
    engram,
    port: 0,
    rateLimit: false,
    requestTimeoutMs: 20,
    onInternalError: () => {},
  });
  const { client, requests } = countingClient(server.url);
  try {
    const error = await client.chat.completions
      .create({ model: "agent:helper", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 503);
    // The turn's own failure, recorded as such: not the request timeout's "abandoned, may complete".
    assert.equal(error.code, "unavailable");
    assert.match(error.message, /100 ms/);
    assert.equal(error.headers?.get("x-should-retry"), "false");
    assert.equal(requests(), 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    await server.close();
    engram.close();
  }
});
