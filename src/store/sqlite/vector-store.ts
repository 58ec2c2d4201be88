import { EngramError } from "../../core/errors.ts";
import type { VectorHit, VectorSpace, VectorStore } from "../store.ts";
import { inTransaction } from "./database.ts";
import { nearestCentroid, nearestCentroids, normaliseRows, seededRandom, trainCentroids } from "./ivf.ts";
import type { Statements } from "./statements.ts";

const TABLES: Record<VectorSpace, { vectors: string; items: string }> = {
  memories: { vectors: "memory_vectors", items: "memories" },
  messages: { vectors: "message_vectors", items: "messages" },
};

const DIMENSIONS_KEY = "vectors.dimensions";

/**
 * Rows per sqlite-vec chunk. Every list of every agent is a partition with chunks of its own, so
 * small chunks waste little space, and writes into them stay fast (sqlite-vec's default of 1,024
 * makes a 1.5 MB blob per chunk at 384 dimensions, and inserts spread over many partitions then
 * walk long overflow-page chains).
 */
const CHUNK_SIZE = 128;

export interface SqliteVectorStoreOptions {
  /**
   * Vectors an agent needs in a space before its inverted-file (IVF) lists are trained (default
   * 4,096). Below it, search is exact.
   */
  trainThreshold?: number;
  /**
   * Lists a trained search probes (default 8); at least `minProbeFraction` of the agent's lists.
   * More lists probed is better recall for more time (about 1 µs per vector in the probed lists).
   */
  nprobe?: number;
  /** Least fraction of the agent's lists a search probes (default 0.1). */
  minProbeFraction?: number;
  /**
   * Retrain an agent's lists when its vector count has grown this many times since they were
   * trained (default 0: never; 16 is a sensible value where a multi-second stall of the write
   * that triggers it is acceptable — retraining 65,536 vectors into 256 lists takes tens of
   * seconds). {@link SqliteVectorStore.train} retrains on demand.
   */
  retrainGrowth?: number;
  /** k-means iterations (default 10). */
  iterations?: number;
  /** Seed of the k-means initialisation (default 1), so training is deterministic. */
  seed?: number;
}

/** The defaults of {@link SqliteVectorStoreOptions}. */
export const IVF_DEFAULTS = {
  trainThreshold: 4096,
  nprobe: 8,
  minProbeFraction: 0.1,
  retrainGrowth: 0,
  iterations: 10,
  seed: 1,
  /** Lists are round(sqrt(vectors)), clamped to this range. */
  minLists: 16,
  maxLists: 256,
  /** k-means trains on a seeded sample of at most this many vectors per list. */
  trainRowsPerList: 64,
} as const;

/** An agent's index in one space: untrained (`lists` 0, everything in list 0) or trained. */
interface IvfState {
  version: number;
  lists: number;
  /** Vectors when last trained (0 when untrained). */
  trained: number;
  /** New vectors since the last training (or since the first, while untrained); deletions are not counted. */
  added: number;
}

interface Centroids {
  version: number;
  lists: number;
  dimensions: number;
  /** `lists * dimensions` unit-length values; list `i + 1` has centroid `i`. */
  values: Float32Array;
}

const toBlob = (vector: Float32Array) => new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);

const fromBlob = (bytes: Uint8Array) =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** The partition key of an agent's list (0 holds the vectors of an untrained agent). */
const part = (agentId: string, list: number) => `${agentId}:${list}`;

/**
 * Vectors in sqlite-vec `vec0` tables, keyed by the rowid of the memory or message they embed and
 * compared by cosine distance, with an inverted-file (IVF) index per agent and space on top.
 *
 * The partition key `part` is `<agentId>:<list>`. An agent's vectors start in list 0, searched
 * exactly; when they reach `trainThreshold`, spherical k-means over them trains round(sqrt(n))
 * centroids (clamped to 16–256, kept in `vector_centroids`), every vector moves to the list of its
 * nearest centroid, and so does every later one. A search then ranks the centroids against the
 * query in JS and runs one sqlite-vec k-NN over the `nprobe` nearest lists only: approximate, in
 * exchange for scanning a fraction of the vectors. `vector_lists` holds each agent's state, with a
 * version bumped on every training that tells cached centroids they are stale.
 */
export class SqliteVectorStore implements VectorStore {
  readonly #s: Statements;
  readonly #options: Required<SqliteVectorStoreOptions>;
  readonly #centroids = new Map<string, Centroids>();
  #ready = false;

  constructor(statements: Statements, options: SqliteVectorStoreOptions = {}) {
    this.#s = statements;
    this.#options = {
      trainThreshold: options.trainThreshold ?? IVF_DEFAULTS.trainThreshold,
      nprobe: options.nprobe ?? IVF_DEFAULTS.nprobe,
      minProbeFraction: options.minProbeFraction ?? IVF_DEFAULTS.minProbeFraction,
      retrainGrowth: options.retrainGrowth ?? IVF_DEFAULTS.retrainGrowth,
      iterations: options.iterations ?? IVF_DEFAULTS.iterations,
      seed: options.seed ?? IVF_DEFAULTS.seed,
    };
    if (!(this.#options.trainThreshold >= IVF_DEFAULTS.minLists)) {
      throw new EngramError("invalid_input", `trainThreshold must be at least ${IVF_DEFAULTS.minLists}`);
    }
    if (!(this.#options.nprobe >= 1)) throw new EngramError("invalid_input", "nprobe must be at least 1");
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
      if (existing !== undefined && Number(existing.value) !== dimensions) {
        throw new EngramError(
          "invalid_input",
          `the database holds ${existing.value}-dimension vectors, but the embedding model gives ${dimensions}: use a model of the same dimension, or re-embed with \`engram memory reindex\``,
        );
      }
      this.#createTables(dimensions);
      if (existing === undefined) {
        this.#s.run("INSERT INTO settings (key, value) VALUES (?, ?)", DIMENSIONS_KEY, String(dimensions));
      }
    });
  }

  /**
   * Creates the vector tables, or brings those of an unreleased earlier layout (partitioned by
   * agent alone) to this one; their vectors are dropped, and `missing` reports them for re-embedding.
   */
  #createTables(dimensions: number): void {
    const db = this.#s.db;
    for (const { vectors } of Object.values(TABLES)) {
      const table = this.#s.get<{ sql: string }>(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
        vectors,
      );
      if (table !== undefined && !table.sql.includes("part TEXT PARTITION KEY")) {
        db.exec(`DROP TABLE ${vectors}`);
        db.exec("DROP TABLE IF EXISTS vector_lists");
        db.exec("DROP TABLE IF EXISTS vector_centroids");
      }
      db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS ${vectors} USING vec0(part TEXT PARTITION KEY, embedding float[${dimensions}] distance_metric=cosine, chunk_size=${CHUNK_SIZE})`,
      );
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS vector_lists (
        space TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        lists INTEGER NOT NULL,
        trained INTEGER NOT NULL,
        added INTEGER NOT NULL,
        PRIMARY KEY (space, agent_id)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS vector_centroids (
        space TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        list INTEGER NOT NULL,
        centroid BLOB NOT NULL,
        PRIMARY KEY (space, agent_id, list)
      ) STRICT, WITHOUT ROWID;
    `);
  }

  async upsert(
    space: VectorSpace,
    agentId: string,
    items: { id: string; vector: Float32Array }[],
  ): Promise<void> {
    const { vectors, items: table } = TABLES[space];
    inTransaction(this.#s.db, () => {
      const state = this.#state(space, agentId);
      const centroids = state.lists === 0 ? null : this.#loadCentroids(space, agentId, state);
      // The last vector given for a rowid wins; inserts are grouped by list, so that each list's
      // chunk is written in one run.
      const pending = new Map<number, { list: number; vector: Float32Array }>();
      let added = 0;
      for (const { id, vector } of items) {
        const row = this.#s.get<{ rowid: number }>(
          `SELECT rowid FROM ${table} WHERE id = ? AND agent_id = ?`,
          id,
          agentId,
        );
        if (row === undefined) continue;
        const deleted = this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(row.rowid)).changes;
        if (Number(deleted) === 0 && !pending.has(row.rowid)) added++;
        pending.set(row.rowid, { list: listOf(centroids, vector), vector });
      }
      const ordered = [...pending].sort((a, b) => a[1].list - b[1].list || a[0] - b[0]);
      for (const [rowid, { list, vector }] of ordered) {
        this.#s.run(
          `INSERT INTO ${vectors} (rowid, part, embedding) VALUES (?, ?, ?)`,
          BigInt(rowid),
          part(agentId, list),
          toBlob(vector),
        );
      }
      if (added === 0) return;
      state.added += added;
      this.#s.run(
        `INSERT INTO vector_lists (space, agent_id, version, lists, trained, added) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, agent_id) DO UPDATE SET added = excluded.added`,
        space,
        agentId,
        state.version,
        state.lists,
        state.trained,
        state.added,
      );
      const { trainThreshold, retrainGrowth } = this.#options;
      const due =
        state.lists === 0
          ? state.added >= trainThreshold
          : retrainGrowth > 0 && state.trained + state.added >= state.trained * retrainGrowth;
      if (due) this.#train(space, agentId, state);
    });
  }

  /**
   * (Re)trains an agent's lists in a space from all its vectors now, and moves every vector to its
   * list. Returns the number of lists (0 when the agent has too few vectors to train).
   */
  async train(space: VectorSpace, agentId: string): Promise<number> {
    if (!this.#initialised()) return 0;
    return inTransaction(this.#s.db, () => this.#train(space, agentId, this.#state(space, agentId), true));
  }

  #train(space: VectorSpace, agentId: string, state: IvfState, force = false): number {
    const { vectors, items } = TABLES[space];
    // Through the items table: one rowid lookup per vector of this agent, not a scan of all agents'.
    const rows = this.#s.all<{ rowid: number; embedding: Uint8Array }>(
      `SELECT v.rowid AS rowid, v.embedding AS embedding FROM ${items} i JOIN ${vectors} v ON v.rowid = i.rowid
       WHERE i.agent_id = ?`,
      agentId,
    );
    const n = rows.length;
    const save = (next: IvfState) =>
      this.#s.run(
        `INSERT INTO vector_lists (space, agent_id, version, lists, trained, added) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, agent_id) DO UPDATE SET version = excluded.version, lists = excluded.lists,
           trained = excluded.trained, added = excluded.added`,
        space,
        agentId,
        next.version,
        next.lists,
        next.trained,
        next.added,
      );
    if (n < (force ? IVF_DEFAULTS.minLists : this.#options.trainThreshold)) {
      // Deletions made the count overestimate: count again from what is there.
      if (state.lists === 0) save({ ...state, added: n });
      else save({ ...state, trained: n, added: 0 });
      return state.lists;
    }
    const d = (rows[0] as { embedding: Uint8Array }).embedding.byteLength / 4;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) data.set(fromBlob((rows[i] as { embedding: Uint8Array }).embedding), i * d);
    const unit = normaliseRows(Float32Array.from(data), d);
    const lists = Math.min(
      IVF_DEFAULTS.maxLists,
      Math.max(IVF_DEFAULTS.minLists, Math.round(Math.sqrt(n))),
      n,
    );
    const random = seededRandom(this.#options.seed);
    const sample = sampleRows(unit, d, lists * IVF_DEFAULTS.trainRowsPerList, random);
    const centroids = trainCentroids(sample, d, lists, { iterations: this.#options.iterations, random });
    this.#s.run("DELETE FROM vector_centroids WHERE space = ? AND agent_id = ?", space, agentId);
    for (let c = 0; c < lists; c++) {
      this.#s.run(
        "INSERT INTO vector_centroids (space, agent_id, list, centroid) VALUES (?, ?, ?, ?)",
        space,
        agentId,
        c + 1,
        toBlob(centroids.subarray(c * d, c * d + d)),
      );
    }
    // Move every vector to its list (the partition key cannot be updated: delete, then insert).
    const moves = rows.map((row, i) => ({
      rowid: row.rowid,
      list: nearestCentroid(centroids, unit, i, d) + 1,
      i,
    }));
    for (const { rowid } of moves) this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(rowid));
    moves.sort((a, b) => a.list - b.list || a.rowid - b.rowid);
    for (const { rowid, list, i } of moves) {
      this.#s.run(
        `INSERT INTO ${vectors} (rowid, part, embedding) VALUES (?, ?, ?)`,
        BigInt(rowid),
        part(agentId, list),
        toBlob(data.subarray(i * d, i * d + d)),
      );
    }
    const next = { version: state.version + 1, lists, trained: n, added: 0 };
    save(next);
    this.#centroids.set(cacheKey(space, agentId), { ...next, dimensions: d, values: centroids });
    Object.assign(state, next);
    return lists;
  }

  /**
   * The k nearest of the agent's vectors: exact while its lists are untrained, else among the
   * vectors of the `nprobe` lists whose centroids are nearest to the query.
   */
  async search(space: VectorSpace, agentId: string, vector: Float32Array, k: number): Promise<VectorHit[]> {
    return this.#read(() => {
      const state = this.#state(space, agentId);
      const centroids = state.lists === 0 ? null : this.#loadCentroids(space, agentId, state);
      if (centroids === null || centroids.dimensions !== vector.length) {
        return this.#knn(space, agentId, allParts(agentId, state.lists), vector, k);
      }
      const probes = Math.min(
        centroids.lists,
        Math.max(this.#options.nprobe, Math.ceil(this.#options.minProbeFraction * centroids.lists)),
      );
      const lists = nearestCentroids(centroids.values, vector, centroids.dimensions, probes);
      return this.#knn(
        space,
        agentId,
        lists.map((c) => part(agentId, c + 1)),
        vector,
        k,
      );
    });
  }

  /** The exact k nearest of the agent's vectors, over all its lists (for measuring recall). */
  async searchExact(
    space: VectorSpace,
    agentId: string,
    vector: Float32Array,
    k: number,
  ): Promise<VectorHit[]> {
    return this.#read(() =>
      this.#knn(space, agentId, allParts(agentId, this.#state(space, agentId).lists), vector, k),
    );
  }

  /** How an agent's vectors in a space are indexed: `lists` is 0 while untrained. */
  async indexState(
    space: VectorSpace,
    agentId: string,
  ): Promise<{ lists: number; trained: number; version: number }> {
    if (!this.#initialised()) return { lists: 0, trained: 0, version: 0 };
    const { lists, trained, version } = this.#state(space, agentId);
    return { lists, trained, version };
  }

  #knn(space: VectorSpace, agentId: string, parts: string[], vector: Float32Array, k: number): VectorHit[] {
    const { vectors, items } = TABLES[space];
    // sqlite-vec runs the k-NN once per partition in the IN list (k rows each): rank them all.
    return this.#s.all<VectorHit>(
      `WITH v AS MATERIALIZED (
         SELECT rowid, distance FROM ${vectors}
         WHERE embedding MATCH ? AND k = ? AND part IN (SELECT value FROM json_each(?)))
       SELECT i.id AS id, v.distance AS distance FROM v JOIN ${items} i ON i.rowid = v.rowid AND i.agent_id = ?
       ORDER BY v.distance LIMIT ?`,
      toBlob(vector),
      k,
      JSON.stringify(parts),
      agentId,
      k,
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

  /** Drops all of an agent's vectors, in every list, and its centroids; called inside the agent's deletion. */
  removeAgent(agentId: string): void {
    if (!this.#initialised()) return;
    for (const space of Object.keys(TABLES) as VectorSpace[]) {
      const { vectors } = TABLES[space];
      const lists = this.#s.get<{ lists: number }>(
        "SELECT lists FROM vector_lists WHERE space = ? AND agent_id = ?",
        space,
        agentId,
      )?.lists;
      // Every list there could be, not only the current ones: one scan either way.
      this.#s.run(
        `DELETE FROM ${vectors} WHERE part IN (SELECT value FROM json_each(?))`,
        JSON.stringify(allParts(agentId, Math.max(lists ?? 0, IVF_DEFAULTS.maxLists))),
      );
      this.#s.run("DELETE FROM vector_centroids WHERE space = ? AND agent_id = ?", space, agentId);
      this.#s.run("DELETE FROM vector_lists WHERE space = ? AND agent_id = ?", space, agentId);
      this.#centroids.delete(cacheKey(space, agentId));
    }
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
      if (row !== undefined) out.set(hash, fromBlob(row.vector));
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

  /** Whether `initialise` has created the tables (of this layout); once true, stays true. */
  #initialised(): boolean {
    this.#ready ||=
      this.#s.get("SELECT 1 FROM settings WHERE key = ?", DIMENSIONS_KEY) !== undefined &&
      this.#s.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vector_lists'") !== undefined;
    return this.#ready;
  }

  #state(space: VectorSpace, agentId: string): IvfState {
    return (
      this.#s.get<IvfState>(
        "SELECT version, lists, trained, added FROM vector_lists WHERE space = ? AND agent_id = ?",
        space,
        agentId,
      ) ?? { version: 0, lists: 0, trained: 0, added: 0 }
    );
  }

  /** The agent's centroids, from memory unless another training (here or elsewhere) replaced them. */
  #loadCentroids(space: VectorSpace, agentId: string, state: IvfState): Centroids | null {
    const key = cacheKey(space, agentId);
    const cached = this.#centroids.get(key);
    if (cached !== undefined && cached.version === state.version && cached.lists === state.lists)
      return cached;
    const rows = this.#s.all<{ centroid: Uint8Array }>(
      "SELECT centroid FROM vector_centroids WHERE space = ? AND agent_id = ? ORDER BY list",
      space,
      agentId,
    );
    if (rows.length !== state.lists || rows.length === 0) return null;
    const dimensions = (rows[0] as { centroid: Uint8Array }).centroid.byteLength / 4;
    const values = new Float32Array(rows.length * dimensions);
    rows.forEach((row, c) => {
      values.set(fromBlob(row.centroid), c * dimensions);
    });
    const loaded = { version: state.version, lists: state.lists, dimensions, values };
    this.#centroids.set(key, loaded);
    return loaded;
  }

  /** Runs reads in one snapshot, so that a concurrent training cannot move vectors between them. */
  #read<T>(fn: () => T): T {
    const db = this.#s.db;
    if (db.isTransaction) return fn();
    db.exec("BEGIN");
    try {
      return fn();
    } finally {
      if (db.isTransaction) db.exec("COMMIT");
    }
  }
}

const cacheKey = (space: VectorSpace, agentId: string) => `${space}\u0000${agentId}`;

/** List 0 and lists 1..lists of an agent. */
function allParts(agentId: string, lists: number): string[] {
  return Array.from({ length: lists + 1 }, (_, list) => part(agentId, list));
}

/** The list a vector belongs in: 0 while untrained; a vector of another dimension is left to sqlite-vec to refuse. */
function listOf(centroids: Centroids | null, vector: Float32Array): number {
  if (centroids === null || vector.length !== centroids.dimensions) return 0;
  return nearestCentroid(centroids.values, vector, 0, centroids.dimensions) + 1;
}

/** At most `max` rows of `rows`, drawn without replacement by a seeded partial shuffle. */
function sampleRows(rows: Float32Array, d: number, max: number, random: () => number): Float32Array {
  const n = rows.length / d;
  if (n <= max) return rows;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const out = new Float32Array(max * d);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(random() * (n - i));
    const pick = order[j] as number;
    order[j] = order[i] as number;
    order[i] = pick;
    out.set(rows.subarray(pick * d, pick * d + d), i * d);
  }
  return out;
}
