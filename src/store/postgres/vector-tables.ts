import type { VectorSpace } from "../store.ts";
import type { Sql } from "./pg-database.ts";

/** Each space's vector table and the table of the items it embeds. */
export const VECTOR_TABLES: Record<VectorSpace, { vectors: string; items: string }> = {
  memories: { vectors: "memory_vectors", items: "memories" },
  messages: { vectors: "message_vectors", items: "messages" },
};

/**
 * Creates the vector tables for one dimension: a row per embedded item, deleted with the item (and
 * so with its agent), and an HNSW index by cosine distance. A memory whose text changes loses its
 * vector in the same statement (a trigger), as on SQLite: a vector only ever matches its item's text,
 * and `missing` lists the memory for re-embedding. Created by `initialise`, not by the migrations,
 * because the type names the dimension and needs the extension.
 */
export async function createVectorTables(
  tx: Sql,
  { schema, vector, dimensions }: { schema: string; vector: string; dimensions: number },
): Promise<void> {
  for (const { vectors, items } of Object.values(VECTOR_TABLES)) {
    await tx.run(`CREATE TABLE ${vectors} (
      rowid BIGINT PRIMARY KEY REFERENCES ${items}(rowid) ON DELETE CASCADE,
      agent_id TEXT COLLATE "C" NOT NULL,
      embedding ${vector}.vector(${dimensions}) NOT NULL
    )`);
    await tx.run(`CREATE INDEX ${vectors}_by_agent ON ${vectors} (agent_id)`);
    await tx.run(
      `CREATE INDEX ${vectors}_hnsw ON ${vectors} USING hnsw (embedding ${vector}.vector_cosine_ops)`,
    );
  }
  await tx.run(`CREATE FUNCTION ${schema}.engram_memory_text_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM ${schema}.memory_vectors WHERE rowid = OLD.rowid;
      RETURN NULL;
    END $$`);
  await tx.run(`CREATE TRIGGER memory_vectors_stale AFTER UPDATE OF text ON memories
    FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text) EXECUTE FUNCTION ${schema}.engram_memory_text_changed()`);
}

/** Drops the vector tables with the trigger that keeps them in step (whichever exist). */
export async function dropVectorTables(tx: Sql, schema: string): Promise<void> {
  await tx.run("DROP TRIGGER IF EXISTS memory_vectors_stale ON memories");
  await tx.run(`DROP FUNCTION IF EXISTS ${schema}.engram_memory_text_changed()`);
  for (const { vectors } of Object.values(VECTOR_TABLES)) await tx.run(`DROP TABLE IF EXISTS ${vectors}`);
}
