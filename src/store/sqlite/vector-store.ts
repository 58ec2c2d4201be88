import { EngramError } from "../../core/errors.ts";
import type { VectorHit, VectorIndexState, VectorSpace, VectorStore } from "../store.ts";
import { inTransaction } from "./database.ts";
import { assignRows, normaliseRows, probeLists, seededRandom, trainCentroids } from "./ivf.ts";
import type { Statements } from "./statements.ts";

const TABLES: Record<VectorSpace, { vectors: string; items: string }> = {
  memories: { vectors: "memory_vectors", items: "memories" },
  messages: { vectors: "message_vectors", items: "messages" },
};

const DIMENSIONS_KEY = "vectors.dimensions";
/** The layout of the vector tables; vectors stored in another are dropped, to be re-embedded. */
const LAYOUT_KEY = "vectors.layout";
const LAYOUT = "ivf-1";

/**
 * Rows per sqlite-vec chunk. Every list of every agent is a partition with chunks of its own, so
 * small chunks waste little space, and writes into them stay fast (sqlite-vec's default of 1,024
 * makes a 1.5 MB blob per chunk at 384 dimensions, and inserts spread over many partitions then
 * walk long overflow-page chains: measured 2–4× slower).
 */
const CHUNK_SIZE = 128;

/** The largest k sqlite-vec takes. */
const KNN_MAX = 4096;

export interface SqliteVectorStoreOptions {
  /**
   * Vectors an agent needs in a space before its inverted-file (IVF) lists are trained (default
   * 4,096). Below it, search is exact.
   */
  trainThreshold?: number;
  /**
   * How much a trained search scans, in lists of average size (default 16): it probes the lists
   * nearest the query whose vectors fit in `nprobe × vectors / lists`, up to `2 × nprobe` lists.
   * More is better recall for more time (about 1 µs per vector scanned).
   */
  nprobe?: number;
  /** Least fraction of the agent's vectors a trained search may scan (default 0.1). */
  minProbeFraction?: number;
  /**
   * Retrain an agent's lists when its vectors have grown this many times since they were trained
   * (default 0: never). Retraining blocks the write that triggers it (80,000 384-dimension vectors
   * into 256 lists: 16 s), and assigning each later vector among 256 lists costs more;
   * {@link SqliteVectorStore.train} retrains on demand.
   */
  retrainGrowth?: number;
  /** k-means iterations (default 10). */
  iterations?: number;
  /** Seed of the k-means initialisation and sample (default 1): training is deterministic. */
  seed?: number;
}

/** The defaults of {@link SqliteVectorStoreOptions}, and fixed parameters of training. */
export const IVF_DEFAULTS = {
  trainThreshold: 4096,
  nprobe: 16,
  minProbeFraction: 0.1,
  retrainGrowth: 0,
  iterations: 10,
  seed: 1,
  /** Lists are round(sqrt(vectors)), clamped to this range. */
  minLists: 16,
  maxLists: 256,
  /** k-means trains on a seeded sample of at most this many vectors per list. */
  trainRowsPerList: 32,
} as const;

/** An agent's index in one space. */
interface IvfState {
  /** Bumped by every training, so that cached centroids know they are stale. */
  version: number;
  /** 0 while untrained: all vectors are in list 0. */
  lists: number;
  /** Vectors when last trained (0 while untrained). */
  trained: number;
  /** Vectors in each list, 0 to `lists`. */
  sizes: Int32Array;
}

interface Centroids {
  version: number;
  lists: number;
  dimensions: number;
  /** `lists * dimensions` unit-length values; list `c + 1` has centroid `c`. */
  values: Float32Array;
}

const toBlob = (vector: Float32Array | Int32Array) =>
  new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);

const copy = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);

/** The partition key of an agent's list (list 0 holds the vectors of an untrained agent). */
const part = (agentId: string, list: number) => `${agentId}:${list}`;

/** The agent and list of a partition key. */
function parsePart(key: string): { agentId: string; list: number } {
  const colon = key.lastIndexOf(":");
  return { agentId: key.slice(0, colon), list: Number(key.slice(colon + 1)) };
}

/**
 * Vectors in sqlite-vec `vec0` tables, keyed by the rowid of the memory or message they embed and
 * compared by cosine distance, with an inverted-file (IVF) index per agent and space on top.
 *
 * The partition key `part` is `<agentId>:<list>`. An agent's vectors start in list 0, searched
 * exactly. When list 0 reaches `trainThreshold` vectors, spherical k-means over them trains
 * round(sqrt(n)) centroids (16 to 256, in `vector_centroids`), every vector moves to the list of
 * its nearest centroid, and so does every later one. A search then ranks the centroids against the
 * query in JS and runs sqlite-vec k-NN over the nearest lists only (see `nprobe`): approximate, for
 * scanning a fraction of the vectors. `vector_lists` holds each agent's state per space: the
 * training version, which tells cached centroids they are stale, and the size of every list.
 * Centroids are cached per agent and space, and reloaded when the version moves.
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
          `the database holds ${existing.value}-dimension vectors, but the embedding model gives ${dimensions}: use a model of the same dimension, or re-embed everything with \`engram memory reindex --rebuild\``,
        );
      }
      this.#createTables(dimensions);
      if (existing === undefined) {
        this.#s.run("INSERT INTO settings (key, value) VALUES (?, ?)", DIMENSIONS_KEY, String(dimensions));
      }
    });
  }

  /**
   * Creates the vector tables, replacing those of an earlier (unreleased) layout: their vectors are
   * dropped, and `missing` reports the items for re-embedding.
   */
  #createTables(dimensions: number): void {
    const db = this.#s.db;
    const layout = this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", LAYOUT_KEY);
    if (layout?.value !== LAYOUT) {
      for (const { vectors } of Object.values(TABLES)) db.exec(`DROP TABLE IF EXISTS ${vectors}`);
      db.exec("DROP TABLE IF EXISTS vector_lists; DROP TABLE IF EXISTS vector_centroids;");
      this.#centroids.clear();
    }
    for (const { vectors } of Object.values(TABLES)) {
      db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS ${vectors} USING vec0(part TEXT PARTITION KEY, embedding float[${dimensions}] distance_metric=cosine, chunk_size=${CHUNK_SIZE})`,
      );
      // sqlite-vec finds a partition's chunks by scanning its chunks table, every agent's: once per
      // list probed, and on every insert. An index on the partition column makes that a seek (a
      // 16-list search among 500,000 vectors: 70 ms without, 26 ms with). It relies on
      // sqlite-vec's internal naming, so a version without it only misses the speed-up.
      try {
        db.exec(`CREATE INDEX IF NOT EXISTS ${vectors}_chunks_by_part ON ${vectors}_chunks(partition00)`);
      } catch {
        // Not this sqlite-vec's layout: searches are slower, not wrong.
      }
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS vector_lists (
        space TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        lists INTEGER NOT NULL,
        trained INTEGER NOT NULL,
        sizes BLOB NOT NULL,
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
    this.#s.run(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      LAYOUT_KEY,
      LAYOUT,
    );
    this.#ready = true;
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
      // The last vector given for a rowid wins.
      const pending = new Map<number, Float32Array>();
      for (const { id, vector } of items) {
        const row = this.#s.get<{ rowid: number }>(
          `SELECT rowid FROM ${table} WHERE id = ? AND agent_id = ?`,
          id,
          agentId,
        );
        if (row === undefined) continue;
        if (!pending.has(row.rowid)) this.#deleteRows(space, [row.rowid], agentId, state);
        pending.set(row.rowid, vector);
      }
      if (pending.size === 0) return;
      const entries = [...pending];
      const lists = listsOf(
        centroids,
        entries.map(([, vector]) => vector),
      );
      // Grouped by list, so that each list's chunk is written in one run.
      const ordered = entries
        .map(([rowid, vector], i) => ({ rowid, vector, list: lists[i] as number }))
        .sort((a, b) => a.list - b.list || a.rowid - b.rowid);
      for (const { rowid, vector, list } of ordered) {
        this.#s.run(
          `INSERT INTO ${vectors} (rowid, part, embedding) VALUES (?, ?, ?)`,
          BigInt(rowid),
          part(agentId, list),
          toBlob(vector),
        );
        state.sizes[list] = (state.sizes[list] ?? 0) + 1;
      }
      this.#saveState(space, agentId, state);
      const { trainThreshold, retrainGrowth } = this.#options;
      const total = state.sizes.reduce((sum, n) => sum + n, 0);
      const due =
        state.lists === 0
          ? total >= trainThreshold
          : retrainGrowth > 0 && total >= state.trained * retrainGrowth;
      if (due) this.#train(space, agentId, state);
    });
  }

  /**
   * (Re)trains an agent's lists in a space from all its vectors now, and moves every vector to its
   * list. Returns the number of lists (0 when it has fewer than 16 vectors and is left untrained).
   */
  async train(space: VectorSpace, agentId: string): Promise<number> {
    if (!this.#initialised()) return 0;
    return inTransaction(this.#s.db, () => this.#train(space, agentId, this.#state(space, agentId)));
  }

  #train(space: VectorSpace, agentId: string, state: IvfState): number {
    const { vectors, items } = TABLES[space];
    // Through the items table: a rowid lookup per vector of this agent, not a scan of everyone's.
    const rows = this.#s.all<{ rowid: number; embedding: Uint8Array }>(
      `SELECT v.rowid AS rowid, v.embedding AS embedding FROM ${items} i JOIN ${vectors} v ON v.rowid = i.rowid
       WHERE i.agent_id = ?`,
      agentId,
    );
    const n = rows.length;
    if (n < IVF_DEFAULTS.minLists) return state.lists;
    const d = (rows[0] as { embedding: Uint8Array }).embedding.byteLength / 4;
    const data = new Float32Array(n * d);
    rows.forEach((row, i) => {
      data.set(new Float32Array(copy(row.embedding)), i * d);
    });
    const unit = normaliseRows(Float32Array.from(data), d);
    const lists = Math.min(IVF_DEFAULTS.maxLists, Math.max(IVF_DEFAULTS.minLists, Math.round(Math.sqrt(n))));
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
    // Move every vector to its list (a partition key cannot be updated: delete, then insert).
    const labels = new Int32Array(n);
    assignRows(centroids, unit, d, labels);
    const moves = rows.map((row, i) => ({ rowid: row.rowid, list: (labels[i] as number) + 1, i }));
    for (const { rowid } of moves) this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(rowid));
    moves.sort((a, b) => a.list - b.list || a.rowid - b.rowid);
    const sizes = new Int32Array(lists + 1);
    for (const { rowid, list, i } of moves) {
      this.#s.run(
        `INSERT INTO ${vectors} (rowid, part, embedding) VALUES (?, ?, ?)`,
        BigInt(rowid),
        part(agentId, list),
        toBlob(data.subarray(i * d, i * d + d)),
      );
      sizes[list] = (sizes[list] ?? 0) + 1;
    }
    Object.assign(state, { version: state.version + 1, lists, trained: n, sizes });
    this.#saveState(space, agentId, state);
    this.#centroids.set(cacheKey(space, agentId), {
      version: state.version,
      lists,
      dimensions: d,
      values: centroids,
    });
    return lists;
  }

  /**
   * The k nearest of the agent's vectors: exact while its lists are untrained, else among the
   * vectors of the lists nearest the query (see `nprobe`).
   */
  async search(space: VectorSpace, agentId: string, vector: Float32Array, k: number): Promise<VectorHit[]> {
    return this.#read(() => {
      const state = this.#state(space, agentId);
      const centroids = state.lists === 0 ? null : this.#loadCentroids(space, agentId, state);
      if (centroids === null || centroids.dimensions !== vector.length) {
        return this.#knn(space, agentId, allParts(agentId, state.lists), vector, k);
      }
      const sizes = state.sizes.subarray(1);
      const total = sizes.reduce((sum, n) => sum + n, 0);
      const { nprobe, minProbeFraction } = this.#options;
      const budget = Math.max((nprobe * total) / centroids.lists, minProbeFraction * total);
      const lists = probeLists(centroids.values, vector, centroids.dimensions, sizes, budget, 2 * nprobe);
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
  async indexState(space: VectorSpace, agentId: string): Promise<VectorIndexState> {
    if (!this.#initialised()) return { lists: 0, trained: 0, version: 0, sizes: [0] };
    const { lists, trained, version, sizes } = this.#state(space, agentId);
    return { lists, trained, version, sizes: [...sizes] };
  }

  /**
   * The k nearest vectors in these partitions (nearest-first order pays): one sqlite-vec k-NN per
   * partition, each asked only for vectors nearer than the k-th best found so far, so that few rows
   * come back through the virtual table. Hits are the agent's items only.
   */
  #knn(space: VectorSpace, agentId: string, parts: string[], vector: Float32Array, k: number): VectorHit[] {
    const { vectors, items } = TABLES[space];
    const query = toBlob(vector);
    let best: { rowid: number; distance: number }[] = [];
    for (const key of parts) {
      const bound =
        best.length < k ? Number.POSITIVE_INFINITY : (best[k - 1] as { distance: number }).distance;
      const found = this.#s.all<{ rowid: number; distance: number }>(
        `SELECT rowid, distance FROM ${vectors} WHERE embedding MATCH ? AND k = ? AND part = ? AND distance < ?`,
        query,
        k,
        key,
        bound,
      );
      if (found.length === 0) continue;
      best = best.concat(found).sort((a, b) => a.distance - b.distance);
      if (best.length > k) best.length = k;
    }
    if (best.length === 0) return [];
    const ids = new Map(
      this.#s
        .all<{ rowid: number; id: string }>(
          `SELECT i.rowid AS rowid, i.id AS id FROM json_each(?) j CROSS JOIN ${items} i ON i.rowid = j.value
           WHERE i.agent_id = ?`,
          JSON.stringify(best.map((hit) => hit.rowid)),
          agentId,
        )
        .map((row) => [row.rowid, row.id]),
    );
    return best.flatMap(({ rowid, distance }) => {
      const id = ids.get(rowid);
      return id === undefined ? [] : [{ id, distance }];
    });
  }

  async remove(space: VectorSpace, ids: readonly string[]): Promise<void> {
    const { items } = TABLES[space];
    inTransaction(this.#s.db, () => {
      const rowids = ids.flatMap((id) => {
        const row = this.#s.get<{ rowid: number }>(`SELECT rowid FROM ${items} WHERE id = ?`, id);
        return row === undefined ? [] : [row.rowid];
      });
      this.#deleteRows(space, rowids);
    });
  }

  /** Drops vectors by rowid; called inside the transaction that removed or changed their rows. */
  removeRowids(space: VectorSpace, rowids: readonly number[]): void {
    if (!this.#initialised()) return;
    this.#deleteRows(space, rowids);
  }

  /**
   * Deletes vectors by rowid and counts them out of their lists: in `state` for `agentId`
   * (the caller saves it), in the stored state for any other agent.
   */
  #deleteRows(space: VectorSpace, rowids: readonly number[], agentId?: string, state?: IvfState): void {
    const { vectors } = TABLES[space];
    const others = new Map<string, IvfState>();
    for (const rowid of rowids) {
      const row = this.#s.get<{ part: string }>(`SELECT part FROM ${vectors} WHERE rowid = ?`, BigInt(rowid));
      if (row === undefined) continue;
      this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(rowid));
      const { agentId: owner, list } = parsePart(row.part);
      let counts = owner === agentId ? state : others.get(owner);
      if (counts === undefined) {
        counts = this.#state(space, owner);
        others.set(owner, counts);
      }
      if ((counts.sizes[list] ?? 0) > 0) counts.sizes[list] = (counts.sizes[list] as number) - 1;
    }
    for (const [owner, counts] of others) this.#saveState(space, owner, counts);
  }

  /** Drops all of an agent's vectors, in every list, and its centroids; called inside the agent's deletion. */
  removeAgent(agentId: string): void {
    if (!this.#initialised()) return;
    const dimensions = Number(
      this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", DIMENSIONS_KEY)?.value,
    );
    // Any vector will do to enumerate a partition through a k-NN query.
    const probe = toBlob(new Float32Array(dimensions).fill(1));
    for (const space of Object.keys(TABLES) as VectorSpace[]) {
      const { vectors } = TABLES[space];
      // Partition by partition (a seek each), rather than a scan of every agent's vectors.
      for (const key of allParts(agentId, this.#state(space, agentId).lists)) {
        for (;;) {
          const rows = this.#s.all<{ rowid: number }>(
            `SELECT rowid FROM ${vectors} WHERE embedding MATCH ? AND k = ${KNN_MAX} AND part = ?`,
            probe,
            key,
          );
          // In rowid order, which is chunk order: far faster than the k-NN's order.
          const rowids = rows.map((row) => row.rowid).sort((a, b) => a - b);
          for (const rowid of rowids) this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(rowid));
          if (rows.length < KNN_MAX) break;
        }
      }
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

  async reset(): Promise<void> {
    inTransaction(this.#s.db, () => {
      for (const { vectors } of Object.values(TABLES)) this.#s.db.exec(`DROP TABLE IF EXISTS ${vectors}`);
      this.#s.db.exec("DROP TABLE IF EXISTS vector_lists; DROP TABLE IF EXISTS vector_centroids;");
      this.#s.run("DELETE FROM settings WHERE key LIKE 'vectors.%'");
    });
    this.#centroids.clear();
    this.#ready = false;
  }

  /** Whether `initialise` has created the tables, in this layout; once true, stays true until `reset`. */
  #initialised(): boolean {
    this.#ready ||=
      this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", LAYOUT_KEY)?.value ===
      LAYOUT;
    return this.#ready;
  }

  #state(space: VectorSpace, agentId: string): IvfState {
    const row = this.#s.get<{ version: number; lists: number; trained: number; sizes: Uint8Array }>(
      "SELECT version, lists, trained, sizes FROM vector_lists WHERE space = ? AND agent_id = ?",
      space,
      agentId,
    );
    if (row === undefined) return { version: 0, lists: 0, trained: 0, sizes: new Int32Array(1) };
    const sizes = new Int32Array(row.lists + 1);
    sizes.set(new Int32Array(copy(row.sizes)).subarray(0, row.lists + 1));
    return { version: row.version, lists: row.lists, trained: row.trained, sizes };
  }

  #saveState(space: VectorSpace, agentId: string, state: IvfState): void {
    this.#s.run(
      `INSERT INTO vector_lists (space, agent_id, version, lists, trained, sizes) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (space, agent_id) DO UPDATE SET version = excluded.version, lists = excluded.lists,
         trained = excluded.trained, sizes = excluded.sizes`,
      space,
      agentId,
      state.version,
      state.lists,
      state.trained,
      toBlob(state.sizes),
    );
  }

  /** The agent's centroids, from memory unless a training (here or in another process) replaced them. */
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
      values.set(new Float32Array(copy(row.centroid)), c * dimensions);
    });
    const loaded = { version: state.version, lists: state.lists, dimensions, values };
    this.#centroids.set(key, loaded);
    return loaded;
  }

  /** Runs reads in one snapshot, so that a training in another process cannot move vectors between them. */
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

/** List 0 and lists 1 to `lists` of an agent. */
function allParts(agentId: string, lists: number): string[] {
  return Array.from({ length: lists + 1 }, (_, list) => part(agentId, list));
}

/**
 * The list each vector belongs in: 0 while untrained. A vector of another dimension gets 0 too,
 * and sqlite-vec refuses it as before.
 */
function listsOf(centroids: Centroids | null, vectors: readonly Float32Array[]): Int32Array {
  const lists = new Int32Array(vectors.length);
  if (centroids === null) return lists;
  const d = centroids.dimensions;
  const fit = vectors.flatMap((vector, i) => (vector.length === d ? [i] : []));
  const rows = new Float32Array(fit.length * d);
  fit.forEach((i, r) => {
    rows.set(vectors[i] as Float32Array, r * d);
  });
  const labels = new Int32Array(fit.length);
  assignRows(centroids.values, rows, d, labels);
  fit.forEach((i, r) => {
    lists[i] = (labels[r] as number) + 1;
  });
  return lists;
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
