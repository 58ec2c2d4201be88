import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createIdGenerator } from "../../core/ids.ts";
import { createEngram } from "../../engram.ts";
import { createHashEmbedder } from "../../models/hash-embedder.ts";
import { suiteKit } from "../store-suite-kit.ts";
import { vectorStoreCases } from "../store-suite-vectors.ts";
import { PgDatabase } from "./pg-database.ts";
import { startTestPglite, type TestPglite } from "./test-pglite.ts";
import { PgVectorStore } from "./vector-store.ts";
import { findPgVector, type PgVectorSupport } from "./vector-support.ts";

/** Points around 20 seeded centres in 16 dimensions. */
function clustered(seed: number, count: number): Float32Array[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: 16 }, () => random() * 2 - 1));
  return Array.from({ length: count }, (_, i) =>
    Float32Array.from(centres[i % 20] as Float32Array, (x) => x + 0.3 * (random() - 0.5)),
  );
}

describe("PostgreSQL vectors through pgvector (PGlite)", () => {
  let pglite: TestPglite;
  before(async () => {
    pglite = await startTestPglite();
  });
  after(async () => {
    await pglite?.stop();
  });

  // The shared suite's vector cases; the rest of the suite runs on a real PostgreSQL server.
  describe("store suite: vectors on postgres with pgvector (PGlite)", () => {
    vectorStoreCases(suiteKit(() => pglite.open()));
  });

  it("an engine on PostgreSQL with pgvector ranks memories by their vectors too", async () => {
    const engram = createEngram({
      store: await pglite.open(),
      embedder: createHashEmbedder(32),
      generateId: createIdGenerator(),
      env: {},
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      await engram.memories.add(agent.id, { text: "the cat sleeps on the sofa" });
      await engram.memories.add(agent.id, { text: "rain is expected tomorrow" });
      const { results, warnings } = await engram.search(agent.id, {
        query: "where does the cat sleep",
        sources: ["memories"],
        recordAccess: false,
        k: 5,
      });
      assert.deepEqual(warnings, []);
      assert.equal(results[0]?.text, "the cat sleeps on the sofa");
      assert.equal(typeof results[0]?.components.vectorRank, "number", "the vector ranking took part");
      assert.equal((await engram.vectors.status()).dimensions, 32);
    } finally {
      await engram.close();
    }
  });

  it("finds a small agent's neighbours through the HNSW index among many other vectors", async () => {
    const store = await pglite.open();
    assert.equal(store.capabilities.vectors, true);
    assert.deepEqual(store.warnings, []);
    await store.close();
    await pglite.idle();
    const db = new PgDatabase({ url: pglite.url, max: 1, preparedStatements: false });
    try {
      const support = (await findPgVector(db)) as PgVectorSupport;
      assert.equal(support.iterativeScans, true, "PGlite bundles pgvector 0.8");
      // A low threshold, so that the small agent is searched through the index, not exactly.
      const vectors = new PgVectorStore(db, support, { exactSearchMax: 10 });
      await vectors.initialise(16);
      await db.run("INSERT INTO projects VALUES ('prj_1', 'p', '{}', 'x', 'x')");
      await db.run(`INSERT INTO agents VALUES ('agt_small', 'prj_1', 's', NULL, '', '{}', 'main', 'x', 'x'),
          ('agt_large', 'prj_1', 'l', NULL, '', '{}', 'main', 'x', 'x')`);
      const add = async (agentId: string, data: Float32Array[]) => {
        const ids = data.map((_, i) => `mem_${agentId}_${i}`);
        await db.run(
          `INSERT INTO memories (id, agent_id, kind, text, tags, importance, provenance, metadata, version,
             created_at, created_ms, updated_at)
           SELECT id, $2, 'fact', id, '[]', 0.5, '{}', '{}', 1, 'x', 0, 'x' FROM unnest($1::text[]) AS u(id)`,
          [ids, agentId],
        );
        await vectors.upsert(
          "memories",
          agentId,
          data.map((vector, i) => ({ id: ids[i] as string, vector })),
        );
      };
      const small = clustered(1, 40);
      await add("agt_small", small);
      await add("agt_large", clustered(2, 2000));
      const small40 = await vectors.describeIndex("memories", "agt_small");
      assert.deepEqual([small40.method, small40.details.vectors], ["hnsw", 40], "past exactSearchMax");
      await vectors.optimise("memories", "agt_small");
      let recall = 0;
      const queries = clustered(3, 20);
      for (const query of queries) {
        const found = await vectors.search("memories", "agt_small", query, 10);
        assert.equal(found.length, 10, "the agent's filter leaves k hits");
        assert.ok(found.every((h) => h.id.startsWith("mem_agt_small_")));
        const exact = await exactSearch(db, query);
        recall += found.filter((h) => exact.includes(h.id)).length / 10;
      }
      assert.ok(recall / queries.length >= 0.9, `recall@10 ${recall / queries.length}`);
    } finally {
      await db.close();
    }
  });
});

/** The small agent's 10 nearest by a full scan. */
async function exactSearch(db: PgDatabase, query: Float32Array): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT i.id FROM memory_vectors v JOIN memories i ON i.rowid = v.rowid WHERE v.agent_id = 'agt_small'
     ORDER BY (v.embedding <=> $1::vector) + 0 LIMIT 10`,
    [`[${Array.from(query).join(",")}]`],
  );
  return rows.map((row) => row.id);
}
