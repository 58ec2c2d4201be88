import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createEngram } from "../engram.ts";
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
