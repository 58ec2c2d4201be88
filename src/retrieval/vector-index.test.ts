import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { createIdGenerator } from "../core/ids.ts";
import { createEngram } from "../engram.ts";
import type { Embedder } from "../models/embedder.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import { createSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";
import { EmbeddingLru } from "./embedding-lru.ts";
import { VectorIndex } from "./vector-index.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-vector-index-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The hash embedder, counting the texts it is asked to embed. */
function counting(dimensions: number): Embedder & { texts: string[] } {
  const inner = createHashEmbedder(dimensions);
  const texts: string[] = [];
  return {
    id: inner.id,
    texts,
    async embed(batch) {
      texts.push(...batch);
      return inner.embed(batch);
    },
  };
}

const open = (path: string, embedder: Embedder) =>
  createEngram({ path, embedder, generateId: createIdGenerator(), env: {} });

const hybrid = (query: string) => ({ query, sources: ["memories" as const], recordAccess: false, k: 5 });

describe("embeddings: stored once, queries cached in memory", () => {
  it("runs a hybrid search with a new query without writing to the database", async () => {
    const path = join(dir, "read-only-search.db");
    const engram = open(path, counting(32));
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "the cat sleeps on the sofa" });
    await engram.search(agent.id, hybrid("warm up"));
    // Another connection's data_version moves whenever any connection commits a change.
    const watcher = new DatabaseSync(path);
    const version = () => Number(watcher.prepare("PRAGMA data_version").get()?.data_version);
    const before = version();
    const { results, warnings } = await engram.search(agent.id, hybrid("where does the cat sleep"));
    assert.deepEqual(warnings, []);
    assert.equal(typeof results[0]?.components.vectorRank, "number", "the vector ranking took part");
    assert.equal(version(), before, "the search committed a write");
    watcher.close();
    await engram.close();
  });

  it("embeds a repeated query once, and keeps a bounded number of recent embeddings", async () => {
    const embedder = counting(32);
    const store = createSqliteStore({ path: ":memory:" });
    const index = new VectorIndex(store, embedder, new EmbeddingLru(2));
    const asked = (text: string) => embedder.texts.filter((t) => t === text).length;
    await index.search("memories", "agt_x", "revenue growth", 5);
    await index.search("memories", "agt_x", "revenue growth", 5);
    assert.equal(asked("revenue growth"), 1);
    // Two other queries push it out of a two-entry cache: it is embedded again.
    await index.search("memories", "agt_x", "second query", 5);
    await index.search("memories", "agt_x", "third query", 5);
    await index.search("memories", "agt_x", "revenue growth", 5);
    assert.equal(asked("revenue growth"), 2);
    await store.close();
  });

  it("caches up to 1,000 embeddings per engine by default", () => {
    assert.equal(new EmbeddingLru().capacity, 1000);
  });

  it("keeps a memory's vector once, in the vector table, and no other copy", async () => {
    const path = join(dir, "once.db");
    const engram = open(path, counting(32));
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [{ text: "one memory" }, { text: "another memory" }]);
    await engram.search(agent.id, hybrid("a query"));
    await engram.close();
    const db = new DatabaseSync(path, { allowExtension: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    const names = tables.map((t) => String(t.name));
    assert.ok(names.includes("memory_vectors_vector_chunks00"), names.join());
    // Every table outside the vector tables' own holds no 32-dimension vector (128 bytes).
    const copies = names
      .filter((n) => !/^(memory|message)_vectors/.test(n) && n !== "vector_centroids")
      .flatMap((name) => {
        const columns = db.prepare(`PRAGMA table_info(${JSON.stringify(name)})`).all();
        return columns.flatMap((c) => {
          const found = db
            .prepare(
              `SELECT count(*) AS n FROM ${JSON.stringify(name)} WHERE typeof(${JSON.stringify(c.name)}) = 'blob' AND length(${JSON.stringify(c.name)}) = 128`,
            )
            .get();
          return Number(found?.n) > 0 ? [`${name}.${c.name}`] : [];
        });
      });
    assert.deepEqual(copies, []);
    db.close();
  });

  it("converts a version-9 database: its vectors stay, nothing is re-embedded", async () => {
    const path = join(dir, "version-9.db");
    const first = open(path, counting(32));
    const agent = await first.agents.create({ name: "a" });
    await first.memories.add(agent.id, { text: "kept through the upgrade" });
    await first.messages.append(agent.id, { role: "user", content: "a message kept too" });
    await first.close();
    // Back to version 9, as the previous release left it: with the cache table, and full.
    const db = new DatabaseSync(path);
    db.exec(`DELETE FROM schema_migrations WHERE version = 10;
      CREATE TABLE embedding_cache (model TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL,
        PRIMARY KEY (model, hash)) STRICT, WITHOUT ROWID;`);
    db.prepare("INSERT INTO embedding_cache VALUES ('hash:32', 'h', ?)").run(new Uint8Array(128));
    db.close();
    const embedder = counting(32);
    const second = open(path, embedder);
    const report = await second.vectors.reindex({});
    assert.deepEqual(report.embedded, { memories: 0, messages: 0 });
    const { results } = await second.search(agent.id, {
      query: "kept through the upgrade",
      weights: { lexical: 0 },
      recordAccess: false,
    });
    assert.equal(results[0]?.components.vectorDistance, 0);
    assert.deepEqual(embedder.texts, ["engram dimension probe", "kept through the upgrade"]);
    await second.close();
    const check = new DatabaseSync(path);
    assert.equal(
      check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'embedding_cache'").get()?.n,
      0,
    );
    // Migration 10 ran again (later migrations, recorded before the rewind, stay as they were).
    assert.equal(check.prepare("SELECT count(*) AS n FROM schema_migrations WHERE version = 10").get()?.n, 1);
    check.close();
  });

  it("waits for a store that opens in the background before deciding it has no vectors", async () => {
    const inner = createSqliteStore({ path: ":memory:" });
    // As a PostgreSQL store: whether it has vectors is known once `ready()` resolves.
    let open = false;
    const store: Store = Object.create(inner, {
      vectors: { get: () => (open ? inner.vectors : null) },
      ready: {
        value: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          open = true;
        },
      },
    });
    const index = new VectorIndex(store, counting(16));
    const { hits, warning } = await index.search("memories", "agt_none", "anything", 5);
    assert.equal(warning, null);
    assert.deepEqual(hits, [], "searched the vectors, which exist once the store is open");
    assert.equal(await inner.vectors?.dimensions(), 16);
    await inner.close();
  });
});

describe("embeddings computed on another thread while the write is prepared", () => {
  /** The hash embedder with `start`, recording when each batch's wait ran (the write's progress then). */
  function startable(fail = false) {
    const inner = createHashEmbedder(16);
    const waits: number[] = [];
    const embedder: Embedder = {
      id: inner.id,
      embed: (texts) => inner.embed(texts),
      start(texts) {
        const job = inner.start?.(texts);
        return {
          wait: () => {
            waits.push(texts.length);
            if (fail) throw new Error("the thread fell over");
            return job?.wait() ?? [];
          },
        };
      },
    };
    return { embedder, waits };
  }

  it("stores each memory's vector in the memory's own transaction", async () => {
    const { embedder, waits } = startable();
    const engram = open(join(dir, "started.db"), embedder);
    const agent = await engram.agents.create({ name: "a" });
    const texts = Array.from({ length: 40 }, (_, i) => `memory number ${i} about topic ${i % 5}`);
    const { value, warnings } = await engram.memories.addMany(
      agent.id,
      texts.map((text) => ({ text })),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(waits, [40], "one batch, waited for once");
    assert.deepEqual(
      await engram.store.vectors?.missing("memories", agent.id, 100),
      [],
      "none lacks its vector",
    );
    const [hit] = (await engram.search(agent.id, { ...hybrid(texts[7] as string), weights: { vector: 1 } }))
      .results;
    assert.equal(hit?.id, value[7]?.id);
    await engram.close();
  });

  it("writes the memories without vectors, with a warning, when the computation fails", async () => {
    const { embedder } = startable(true);
    const engram = open(join(dir, "started-failing.db"), embedder);
    const agent = await engram.agents.create({ name: "a" });
    const { value, warnings } = await engram.memories.addMany(agent.id, [{ text: "one" }, { text: "two" }]);
    assert.equal(value.length, 2);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /vectors not stored \(the thread fell over\)/);
    const missing = await engram.store.vectors?.missing("memories", agent.id, 10);
    assert.deepEqual([...(missing ?? [])].sort(), value.map((m) => m.id).sort());
    assert.equal((await engram.memories.list(agent.id)).items.length, 2);
    await engram.close();
  });
});
