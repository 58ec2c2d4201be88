import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { createClient } from "../client/index.ts";
import { scriptedModel } from "../test/index.ts";
import { engramMemory } from "./index.ts";

// An engram server that accepts connections and never answers: the app's call must end at the app's
// own abort signal (or timeout), not wait on the retrieval for as long as fetch's own timeouts allow.
let silent: Server;
let baseUrl: string;
const sockets = new Set<Socket>();
before(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  assert.ok(address !== null && typeof address === "object");
  baseUrl = `http://127.0.0.1:${address.port}`;
});
after(() => {
  for (const socket of sockets) socket.destroy();
  silent.close();
});

function wrapped() {
  const model = scriptedModel([{ text: "never" }]);
  const memory = engramMemory({ engram: createClient({ baseUrl }), agent: "support", userId: "ada" });
  return { model, wrapped: wrapLanguageModel({ model, middleware: memory }) };
}

test("generateText against an engram server that does not answer ends at the app's abort signal", async () => {
  const { model, wrapped: app } = wrapped();
  const started = Date.now();
  await assert.rejects(
    generateText({ model: app, prompt: "hi", abortSignal: AbortSignal.timeout(100), maxRetries: 0 }),
    (error: unknown) => error instanceof Error && /timeout|abort/i.test(`${error.name} ${error.message}`),
  );
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.equal(model.calls.length, 0);
});

test("streamText likewise", async () => {
  const { model, wrapped: app } = wrapped();
  const started = Date.now();
  const result = streamText({
    model: app,
    prompt: "hi",
    abortSignal: AbortSignal.timeout(100),
    maxRetries: 0,
  });
  await result.consumeStream();
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.equal(model.calls.length, 0);
});
