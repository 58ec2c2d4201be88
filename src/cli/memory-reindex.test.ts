import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFakeEmbeddingServer } from "../test/fake-embedding-server.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

describe("engram memory reindex", () => {
  let s: CliSandbox;
  let server: Awaited<ReturnType<typeof startFakeEmbeddingServer>>;
  const env = (model: string) => ({
    ENGRAM_EMBEDDING_MODEL: `openai-compatible:${model}`,
    OPENAI_COMPATIBLE_BASE_URL: server.baseUrl,
  });
  before(async () => {
    s = sandbox();
    server = await startFakeEmbeddingServer();
  });
  after(async () => {
    s.cleanup();
    await server.close();
  });

  it("embeds what an outage left out, then re-embeds everything for a new model", async () => {
    const v32 = { env: env("hash-32") };
    await s.ok(["agent", "create", "--name", "support"], v32);
    await s.ok(["memory", "add", "support", "Ada prefers tea"], v32);
    server.state.down = true;
    const added = await s.ok(["memory", "add", "support", "Ada lives in Lisbon"], v32);
    assert.match(added.warnings[0], /the embedding service is down.*engram memory reindex/);
    server.state.down = false;

    const filled = await s.ok(["memory", "reindex"], v32);
    assert.deepEqual(filled.embedded, { memories: 1, messages: 0 });
    const found = await s.ok(["memory", "search", "support", "Ada lives in Lisbon"], v32);
    assert.ok(
      found.results.every(
        (r: { components: { vectorRank: number | null } }) => r.components.vectorRank !== null,
      ),
    );

    // Another model: engram refuses to mix vectors, and says how to move on.
    const v48 = { env: env("hash-48") };
    const refused = await s.cli(["memory", "reindex"], v48);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /made by embedding model openai-compatible:hash-32.*engram memory reindex --rebuild/,
    );
    const misuse = await s.cli(["memory", "reindex", "support", "--rebuild"], v48);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /--rebuild covers the whole database/);

    const rebuilt = await s.cli(["memory", "reindex", "--rebuild"], { ...v48, tty: true });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(
      rebuilt.stdout,
      /re-embedded everything with openai-compatible:hash-48: 2 memories, 0 messages, 1 agent/,
    );
    assert.match(rebuilt.stderr, /memories: 2 embedded/);
    const search = await s.ok(["memory", "search", "support", "tea", "--weights", '{"lexical":0}'], v48);
    assert.equal(search.warnings.length, 0);
    assert.equal(search.results[0].text, "Ada prefers tea");
    assert.equal(search.results[0].components.vectorRank, 1);
  });

  it("says how to configure a model when there is none", async () => {
    const out = await s.cli(["memory", "reindex"]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /no embedding model is configured: set ENGRAM_EMBEDDING_MODEL/);
  });
});
