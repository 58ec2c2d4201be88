import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { startFakeEmbeddingServer } from "../test/fake-embedding-server.ts";
import { createAiSdkEmbedder, embedderFromSpec, resolveEmbeddingModel } from "./embedding-model.ts";
import { createHashEmbedder } from "./hash-embedder.ts";

/** A local stand-in for an OpenAI-compatible embeddings endpoint, speaking the real wire format. */
function fakeEmbeddingServer(dimensions: number) {
  const requests: { path: string; body: { model: string; input: string[] } }[] = [];
  const embedder = createHashEmbedder(dimensions);
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", async () => {
      const body = JSON.parse(raw);
      requests.push({ path: req.url ?? "", body });
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const vectors = await embedder.embed(inputs);
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          object: "list",
          data: vectors.map((v, index) => ({ object: "embedding", index, embedding: [...v] })),
          model: body.model,
          usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
        }),
      );
    });
  });
  return { server, requests };
}

describe("embedding models through the AI SDK", () => {
  const { server, requests } = fakeEmbeddingServer(32);
  let url = "";
  before(async () => {
    await new Promise<void>((resolve) => (server as Server).listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("embeds memories in batches and searches with vectors through an openai-compatible server", async () => {
    const engram = createEngram({
      path: ":memory:",
      env: { ENGRAM_EMBEDDING_MODEL: "openai-compatible:test-embed", OPENAI_COMPATIBLE_BASE_URL: url },
    });
    assert.equal(engram.embeddingModel, "openai-compatible:test-embed");
    await engram.ready();
    const agent = await engram.agents.create({ name: "a" });
    const { warnings } = await engram.memories.addMany(agent.id, [
      { text: "quarterly revenue grew strongly" },
      { text: "the cat sleeps on the sofa" },
    ]);
    assert.deepEqual(warnings, []);
    const { results } = await engram.search(agent.id, { query: "revenue grew", k: 1 });
    assert.equal(results[0]?.text, "quarterly revenue grew strongly");
    assert.equal(results[0]?.components.vectorRank, 1);
    assert.ok(requests.every((r) => r.path === "/v1/embeddings" && r.body.model === "test-embed"));
    assert.ok(
      requests.some((r) => r.body.input.length === 2),
      "the two memories go in one request",
    );
    // The same text is embedded once: cached by content hash.
    const before = requests.length;
    await engram.search(agent.id, { query: "revenue grew", k: 1 });
    assert.equal(requests.length, before);
    await engram.close();
  });

  it("gives a clear error for an unknown provider or a missing base URL", () => {
    assert.throws(
      () => createEngram({ path: ":memory:", embedder: "nope:model", env: {} }),
      /unknown embedding provider "nope"/,
    );
    assert.throws(
      () => createEngram({ path: ":memory:", embedder: "openai-compatible:x", env: {} }),
      /needs OPENAI_COMPATIBLE_BASE_URL to be set/,
    );
    assert.throws(
      () => createEngram({ path: ":memory:", embedder: "openai:text-embedding-3-small", env: {} }),
      /needs OPENAI_API_KEY/,
    );
  });
});

describe("embedding many texts through a provider", () => {
  let server: Awaited<ReturnType<typeof startFakeEmbeddingServer>>;
  before(async () => {
    server = await startFakeEmbeddingServer();
  });
  after(() => server.close());
  const env = (extra: Record<string, string> = {}) => ({
    OPENAI_COMPATIBLE_BASE_URL: server.baseUrl,
    ...extra,
  });
  const texts = Array.from({ length: 600 }, (_, i) => `text number ${i} about ${i % 17}`);
  const bytes = (vectors: readonly Float32Array[]) =>
    vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"));

  it("sends up to four batches at once and returns the vectors in the texts' order", async () => {
    Object.assign(server.state, { requests: 0, maxInFlight: 0, delayMs: 40, failRequest: 0 });
    const vectors = await embedderFromSpec("openai-compatible:hash-16", env()).embed(texts);
    assert.equal(server.state.requests, 10, "600 texts in batches of 64");
    assert.equal(server.state.maxInFlight, 4);
    const expected = await createHashEmbedder(16, { thread: false }).embed(texts);
    assert.deepEqual(bytes(vectors), bytes(expected));
  });

  it("takes the number of requests at once from ENGRAM_EMBEDDING_PARALLEL, and refuses a bad one", async () => {
    Object.assign(server.state, { requests: 0, maxInFlight: 0, delayMs: 10, failRequest: 0 });
    const one = embedderFromSpec("openai-compatible:hash-16", env({ ENGRAM_EMBEDDING_PARALLEL: "1" }));
    assert.equal((await one.embed(texts.slice(0, 200))).length, 200);
    assert.deepEqual([server.state.requests, server.state.maxInFlight], [4, 1]);
    for (const bad of ["0", "65", "2.5", "four", "-1"])
      assert.throws(
        () => embedderFromSpec("openai-compatible:hash-16", env({ ENGRAM_EMBEDDING_PARALLEL: bad })),
        new RegExp(
          `ENGRAM_EMBEDDING_PARALLEL: must be a whole number of requests from 1 to 64, not "${bad}"`,
        ),
      );
  });

  it("refuses a batch size or a number of requests at once that is not a whole number of at least 1", () => {
    const model = resolveEmbeddingModel("openai-compatible:hash-16", env());
    for (const bad of [0, -2, 1.5, Number.NaN]) {
      assert.throws(
        () => createAiSdkEmbedder("x", model, { batchSize: bad }),
        new RegExp(`batchSize: must be a whole number of at least 1, not ${bad}`),
      );
      assert.throws(
        () => createAiSdkEmbedder("x", model, { parallelCalls: bad }),
        new RegExp(`parallelCalls: must be a whole number of at least 1, not ${bad}`),
      );
    }
  });

  it("fails the whole call at the first failed batch, and starts no batch after it", async () => {
    Object.assign(server.state, { requests: 0, maxInFlight: 0, delayMs: 200, failRequest: 3 });
    const embedder = embedderFromSpec("openai-compatible:hash-16", env());
    await assert.rejects(embedder.embed(texts), (error: Error & { code?: string }) => {
      assert.equal(error.code, "unavailable");
      assert.match(
        error.message,
        /embedding model openai-compatible:hash-16 failed: .*the embedding service is down/,
      );
      return true;
    });
    // Longer than the other requests take: a caller that went on after its answer would have sent
    // another by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(server.state.requests, 4, "the four first batches were sent; none after the failure");
    server.state.failRequest = 0;
  });
});
