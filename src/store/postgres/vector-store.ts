import { EngramError } from "../../core/errors.ts";
import type { VectorHit, VectorIndexReport, VectorItem, VectorSpace, VectorStore } from "../store.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import type { PgVectorSupport } from "./vector-support.ts";
import { createVectorTables, dropVectorTables, VECTOR_TABLES } from "./vector-tables.ts";

const DIMENSIONS_KEY = "vectors.dimensions";
/** The layout of the vector tables; vectors stored in another (e.g. settings copied from SQLite) are dropped. */
const LAYOUT_KEY = "vectors.layout";
const LAYOUT = "pgvector-hnsw-1";

export interface PgVectorStoreOptions {
  /**
   * An agent with at most this many vectors in a space is searched exactly, by a scan of its rows
   * (default 10,000): about as fast as the index at that size, and it never misses a neighbour.
   */
  exactSearchMax?: number;
}

/** Candidates an HNSW search keeps (`hnsw.ef_search`, at most 1,000), at least this many and 2k. */
const EF_SEARCH = 200;

/** Serialises creating and dropping the vector tables across servers (a one-key advisory lock). */
const TABLES_LOCK = "7308604897066246403";

/**
 * Vectors in pgvector tables, one per space, keyed by the rowid of the memory or message they embed
 * (deleted with it) and compared by cosine distance through an HNSW index. Every search is one
 * agent's. A small agent is searched exactly; a larger one through the index, with the agent's
 * filter applied as the index is walked (iterative scans, pgvector ≥ 0.8) so that other agents'
 * vectors do not use up the candidates. HNSW needs no training: `optimise` does nothing.
 */
export class PgVectorStore implements VectorStore {
  readonly #db: PgDatabase;
  readonly #support: PgVectorSupport;
  readonly #exactSearchMax: number;

  constructor(db: PgDatabase, support: PgVectorSupport, options: PgVectorStoreOptions = {}) {
    this.#db = db;
    this.#support = support;
    this.#exactSearchMax = options.exactSearchMax ?? 10_000;
  }

  async dimensions(): Promise<number | null> {
    const value = await setting(this.#db, DIMENSIONS_KEY);
    return value === null ? null : Number(value);
  }

  async initialise(dimensions: number): Promise<void> {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 8192) {
      throw new EngramError(
        "invalid_input",
        `vector dimension ${dimensions} is not an integer from 1 to 8192`,
      );
    }
    await this.#db.transaction(async (tx) => {
      await tx.run("SELECT pg_advisory_xact_lock($1)", [TABLES_LOCK]);
      const existing = await setting(tx, DIMENSIONS_KEY);
      if (existing !== null && Number(existing) !== dimensions) {
        throw new EngramError(
          "invalid_input",
          `the database holds ${existing}-dimension vectors, but the embedding model gives ${dimensions}: use a model of the same dimension, or re-embed everything with \`engram memory reindex --rebuild\``,
        );
      }
      if ((await setting(tx, LAYOUT_KEY)) === LAYOUT) return;
      await dropVectorTables(tx, this.#db.schema);
      await createVectorTables(tx, { schema: this.#db.schema, vector: this.#support.schema, dimensions });
      await tx.run(
        `INSERT INTO settings (key, value) VALUES ($1, $2), ($3, $4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [DIMENSIONS_KEY, String(dimensions), LAYOUT_KEY, LAYOUT],
      );
    });
  }

  async upsert(space: VectorSpace, agentId: string, items: readonly VectorItem[]): Promise<void> {
    await this.upsertIn(this.#db, space, agentId, items);
  }

  /** `upsert` through `sql`: a transaction's, so that vectors commit with the items they embed. */
  async upsertIn(sql: Sql, space: VectorSpace, agentId: string, items: readonly VectorItem[]): Promise<void> {
    if (items.length === 0) return;
    const { vectors, items: table } = VECTOR_TABLES[space];
    // The last vector given for an id wins.
    const latest = new Map(items.map((item) => [item.id, item.vector]));
    await sql.run(
      `INSERT INTO ${vectors} (rowid, agent_id, embedding)
       SELECT i.rowid, i.agent_id, u.embedding::${this.#support.schema}.vector
       FROM unnest($1::text[], $2::text[]) AS u(id, embedding)
       JOIN ${table} i ON i.id = u.id AND i.agent_id = $3
       ON CONFLICT (rowid) DO UPDATE SET embedding = excluded.embedding`,
      [[...latest.keys()], [...latest.values()].map(vectorText), agentId],
    );
  }

  async search(space: VectorSpace, agentId: string, vector: Float32Array, k: number): Promise<VectorHit[]> {
    if (!(await this.#initialised(this.#db))) return [];
    const { vectors, items } = VECTOR_TABLES[space];
    const distance = `v.embedding OPERATOR(${this.#support.schema}.<=>) $2::${this.#support.schema}.vector`;
    const params = [agentId, vectorText(vector), k];
    const hits = await this.#db.transaction(async (tx) => {
      const small = await tx.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${vectors} WHERE agent_id = $1 LIMIT ${this.#exactSearchMax + 1}) s`,
        [agentId],
      );
      if ((small?.n ?? 0) <= this.#exactSearchMax) {
        // Materialised, so that the planner cannot take the index for the ordering: an exact scan.
        return tx.all<{ id: string; distance: number }>(
          `WITH scored AS MATERIALIZED (SELECT v.rowid, ${distance} AS distance FROM ${vectors} v WHERE v.agent_id = $1)
           SELECT i.id, s.distance FROM scored s JOIN ${items} i ON i.rowid = s.rowid
           ORDER BY s.distance, s.rowid LIMIT $3`,
          params,
        );
      }
      // The index gives rows in distance order: with sorting ruled out, the planner walks it rather
      // than sorting the agent's rows (an exact scan, slow for a large agent).
      await tx.run("SET LOCAL enable_sort = off");
      await tx.run(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(EF_SEARCH, 2 * k))}`);
      if (this.#support.iterativeScans) await tx.run("SET LOCAL hnsw.iterative_scan = relaxed_order");
      return tx.all<{ id: string; distance: number }>(
        `SELECT i.id, ${distance} AS distance FROM ${vectors} v JOIN ${items} i ON i.rowid = v.rowid
         WHERE v.agent_id = $1 ORDER BY ${distance} LIMIT $3`,
        params,
      );
    });
    // A relaxed-order scan may return near neighbours slightly out of order.
    return hits.sort((a, b) => a.distance - b.distance).map(({ id, distance }) => ({ id, distance }));
  }

  async remove(space: VectorSpace, ids: readonly string[]): Promise<void> {
    if (ids.length === 0 || !(await this.#initialised(this.#db))) return;
    const { vectors, items } = VECTOR_TABLES[space];
    await this.#db.run(
      `DELETE FROM ${vectors} v USING ${items} i WHERE v.rowid = i.rowid AND i.id = ANY($1::text[])`,
      [ids],
    );
  }

  async missing(space: VectorSpace, agentId: string, limit: number): Promise<string[]> {
    const { vectors, items } = VECTOR_TABLES[space];
    const rows = (await this.#initialised(this.#db))
      ? await this.#db.all<{ id: string }>(
          `SELECT i.id FROM ${items} i WHERE i.agent_id = $1
           AND NOT EXISTS (SELECT 1 FROM ${vectors} v WHERE v.rowid = i.rowid) ORDER BY i.rowid LIMIT $2`,
          [agentId, limit],
        )
      : await this.#db.all<{ id: string }>(
          `SELECT id FROM ${items} WHERE agent_id = $1 ORDER BY rowid LIMIT $2`,
          [agentId, limit],
        );
    return rows.map((row) => row.id);
  }

  /** HNSW builds as vectors arrive: there is nothing to do. */
  async optimise(_space: VectorSpace, _agentId: string): Promise<void> {}

  async describeIndex(space: VectorSpace, agentId: string): Promise<VectorIndexReport> {
    const stored = (await this.#initialised(this.#db))
      ? ((
          await this.#db.get<{ n: number }>(
            `SELECT COUNT(*) AS n FROM ${VECTOR_TABLES[space].vectors} WHERE agent_id = $1`,
            [agentId],
          )
        )?.n ?? 0)
      : 0;
    const exact = stored <= this.#exactSearchMax;
    return {
      method: exact ? "exact" : "hnsw",
      summary: exact ? `exact over ${stored} vectors` : `HNSW over ${stored} vectors`,
      details: { vectors: stored, exactSearchMax: this.#exactSearchMax },
    };
  }

  async reset(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run("SELECT pg_advisory_xact_lock($1)", [TABLES_LOCK]);
      await dropVectorTables(tx, this.#db.schema);
      await tx.run("DELETE FROM settings WHERE key LIKE 'vectors.%'");
    });
  }

  /**
   * Whether `initialise` has created the tables in this layout. Asked each time rather than
   * remembered: another server may reset them.
   */
  async #initialised(sql: Sql): Promise<boolean> {
    return (await setting(sql, LAYOUT_KEY)) === LAYOUT;
  }
}

async function setting(sql: Sql, key: string): Promise<string | null> {
  return (
    (await sql.get<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]))?.value ?? null
  );
}

/** pgvector's text form of a vector: `[x,y,…]`, each float32 written exactly. */
function vectorText(vector: Float32Array): string {
  return `[${Array.from(vector).join(",")}]`;
}
