import { EngramError } from "../../core/errors.ts";
import type { VectorHit, VectorSpace, VectorStore } from "../store.ts";
import { inTransaction } from "./database.ts";
import type { Statements } from "./statements.ts";

const TABLES: Record<VectorSpace, { vectors: string; items: string }> = {
  memories: { vectors: "memory_vectors", items: "memories" },
  messages: { vectors: "message_vectors", items: "messages" },
};

const DIMENSIONS_KEY = "vectors.dimensions";

const toBlob = (vector: Float32Array) => new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);

/**
 * Vectors in sqlite-vec `vec0` tables partitioned by agent (so a k-NN search only scans one agent's
 * vectors), keyed by the rowid of the memory or message they embed, compared by cosine distance.
 */
export class SqliteVectorStore implements VectorStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async dimensions(): Promise<number | null> {
    const row = this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", DIMENSIONS_KEY);
    return row === undefined ? null : Number(row.value);
  }

  async initialise(dimensions: number): Promise<void> {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 8192) {
      throw new EngramError(
        "invalid_input",
        `vector dimension ${dimensions} is not an integer from 1 to 8192`,
      );
    }
    inTransaction(this.#s.db, () => {
      const existing = this.#s.get<{ value: string }>(
        "SELECT value FROM settings WHERE key = ?",
        DIMENSIONS_KEY,
      );
      if (existing !== undefined) {
        if (Number(existing.value) !== dimensions) {
          throw new EngramError(
            "invalid_input",
            `the database holds ${existing.value}-dimension vectors, but the embedding model gives ${dimensions}: use a model of the same dimension, or re-embed with \`engram memory reindex\``,
          );
        }
        return;
      }
      for (const { vectors } of Object.values(TABLES)) {
        this.#s.db.exec(
          `CREATE VIRTUAL TABLE IF NOT EXISTS ${vectors} USING vec0(agent_id TEXT PARTITION KEY, embedding float[${dimensions}] distance_metric=cosine)`,
        );
      }
      this.#s.run("INSERT INTO settings (key, value) VALUES (?, ?)", DIMENSIONS_KEY, String(dimensions));
    });
  }

  async upsert(
    space: VectorSpace,
    agentId: string,
    items: { id: string; vector: Float32Array }[],
  ): Promise<void> {
    const { vectors, items: table } = TABLES[space];
    inTransaction(this.#s.db, () => {
      for (const { id, vector } of items) {
        const row = this.#s.get<{ rowid: number }>(
          `SELECT rowid FROM ${table} WHERE id = ? AND agent_id = ?`,
          id,
          agentId,
        );
        if (row === undefined) continue;
        this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(row.rowid));
        this.#s.run(
          `INSERT INTO ${vectors} (rowid, agent_id, embedding) VALUES (?, ?, ?)`,
          BigInt(row.rowid),
          agentId,
          toBlob(vector),
        );
      }
    });
  }

  async search(space: VectorSpace, agentId: string, vector: Float32Array, k: number): Promise<VectorHit[]> {
    const { vectors, items } = TABLES[space];
    return this.#s.all<VectorHit>(
      `SELECT i.id AS id, v.distance AS distance
       FROM (SELECT rowid, distance FROM ${vectors} WHERE embedding MATCH ? AND k = ? AND agent_id = ?) v
       JOIN ${items} i ON i.rowid = v.rowid AND i.agent_id = ?
       ORDER BY v.distance`,
      toBlob(vector),
      k,
      agentId,
      agentId,
    );
  }

  async remove(space: VectorSpace, ids: readonly string[]): Promise<void> {
    const { vectors, items } = TABLES[space];
    inTransaction(this.#s.db, () => {
      for (const id of ids) {
        const row = this.#s.get<{ rowid: number }>(`SELECT rowid FROM ${items} WHERE id = ?`, id);
        if (row !== undefined) this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(row.rowid));
      }
    });
  }

  /** Drops vectors by rowid; called inside the transaction that removed or changed their rows. */
  removeRowids(space: VectorSpace, rowids: readonly number[]): void {
    if (!this.#initialised()) return;
    for (const rowid of rowids)
      this.#s.run(`DELETE FROM ${TABLES[space].vectors} WHERE rowid = ?`, BigInt(rowid));
  }

  /** Drops all of an agent's vectors; called inside the agent's deletion. */
  removeAgent(agentId: string): void {
    if (!this.#initialised()) return;
    for (const { vectors } of Object.values(TABLES))
      this.#s.run(`DELETE FROM ${vectors} WHERE agent_id = ?`, agentId);
  }

  async missing(space: VectorSpace, agentId: string, limit: number): Promise<string[]> {
    const { vectors, items } = TABLES[space];
    if (!this.#initialised()) {
      return this.#s
        .all<{ id: string }>(
          `SELECT id FROM ${items} WHERE agent_id = ? ORDER BY rowid LIMIT ?`,
          agentId,
          limit,
        )
        .map((r) => r.id);
    }
    return this.#s
      .all<{ id: string }>(
        `SELECT i.id FROM ${items} i WHERE i.agent_id = ?
         AND NOT EXISTS (SELECT 1 FROM ${vectors} v WHERE v.rowid = i.rowid) ORDER BY i.rowid LIMIT ?`,
        agentId,
        limit,
      )
      .map((r) => r.id);
  }

  async getCached(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const hash of hashes) {
      const row = this.#s.get<{ vector: Uint8Array }>(
        "SELECT vector FROM embedding_cache WHERE model = ? AND hash = ?",
        model,
        hash,
      );
      if (row !== undefined) {
        const bytes = row.vector;
        out.set(
          hash,
          new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
        );
      }
    }
    return out;
  }

  async putCached(model: string, items: { hash: string; vector: Float32Array }[]): Promise<void> {
    inTransaction(this.#s.db, () => {
      for (const { hash, vector } of items) {
        this.#s.run(
          "INSERT OR REPLACE INTO embedding_cache (model, hash, vector) VALUES (?, ?, ?)",
          model,
          hash,
          toBlob(vector),
        );
      }
    });
  }

  #initialised(): boolean {
    return this.#s.get("SELECT 1 FROM settings WHERE key = ?", DIMENSIONS_KEY) !== undefined;
  }
}
