import type { SQLInputValue, StatementSync } from "node:sqlite";
import { EngramError } from "../../core/errors.ts";
import { startOnReadyThread, startOnThread, type ThreadTask } from "../../threads/helper-thread.ts";
import type {
  PendingVectorSearch,
  VectorHit,
  VectorIndexReport,
  VectorItem,
  VectorSpace,
  VectorStore,
} from "../store.ts";
import { insertRows } from "./batch-insert.ts";
import { inTransaction } from "./database.ts";
import { assignRows, probeLists } from "./ivf.ts";
import {
  activeTag,
  allParts,
  type Centroids,
  count,
  createListTables,
  type Generation,
  IvfLists,
  type IvfState,
  parsePart,
  part,
  pendingTag,
  VECTOR_TABLES as TABLES,
  toBlob,
  totalVectors,
  upgradeListTables,
} from "./ivf-lists.ts";
import { IvfRetrain, type RetrainProgress, type RetrainReport } from "./ivf-retrain.ts";
import { describeIvf, type VectorIndexState } from "./ivf-state.ts";
import { type RetrainRun, RetrainTasks } from "./ivf-tasks.ts";
import type { Statements } from "./statements.ts";
import {
  abandonScan,
  fileIdentity,
  knnSql,
  listStamp,
  type ScanHit,
  type ScanOutput,
  type ScanSource,
  STAMP_SQL,
  scanControl,
  scanInOrder,
  scanShared,
} from "./vector-scan.ts";
import { WrittenRows } from "./written-rows.ts";

export type { RetrainProgress, RetrainReport };

const DIMENSIONS_KEY = "vectors.dimensions";
/** The layout of the vector tables; vectors stored in another are dropped, to be re-embedded. */
const LAYOUT_KEY = "vectors.layout";
const LAYOUT = "ivf-2";
/** The layout before generations of lists: upgraded in place, every vector kept. */
const LAYOUT_1 = "ivf-1";

/**
 * Rows per sqlite-vec chunk. Every list of every agent is a partition with chunks of its own, so
 * small chunks waste little space, and writes into them stay fast (sqlite-vec's default of 1,024
 * makes a 1.5 MB blob per chunk at 384 dimensions, and inserts spread over many partitions then
 * walk long overflow-page chains: measured 2–4× slower).
 */
const CHUNK_SIZE = 128;

/** The largest k sqlite-vec takes. */
const KNN_MAX = 4096;

/**
 * Vectors a search scans before it shares its lists with the helper thread (about 2 ms of scanning
 * at 384 dimensions): a smaller scan has little to gain from a second thread.
 */
const SHARED_SCAN_MIN = 4096;

export interface SqliteVectorStoreOptions {
  /**
   * Vectors an agent needs in a space before its inverted-file (IVF) lists are trained (default
   * 4,096). Below it, search is exact.
   */
  trainThreshold?: number;
  /**
   * How much a trained search scans, in lists of average size (default 16): it probes the lists
   * nearest the query whose vectors fit in `max(nprobe × vectors / lists, minProbeFraction ×
   * vectors, minProbeVectors)` (see {@link probeBudget}), up to twice as many lists as that fills on
   * average. More is better recall for more time (about 0.5 µs per vector scanned).
   */
  nprobe?: number;
  /** Least fraction of the agent's vectors a trained search scans (default 0.2). */
  minProbeFraction?: number;
  /**
   * Least number of vectors a trained search scans (default 20,000): every one of an agent that has
   * fewer. A fifth of a smaller agent's vectors is a few milliseconds of scanning and found only
   * 83–89 % of the exact top 10 at 5,000 to 20,000 vectors; this many costs what a search at
   * 100,000 vectors costs anyway.
   */
  minProbeVectors?: number;
  /**
   * Retrain an agent's lists when its vectors have grown this many times since they were trained
   * (default 2: at each doubling; 0: never, but {@link SqliteVectorStore.train} on demand).
   */
  retrainGrowth?: number;
  /**
   * Run due trainings in the background (default true): in slices and short batches between other
   * work, searches served by the old lists meanwhile. When false, nothing trains until
   * {@link SqliteVectorStore.train} is called.
   */
  background?: boolean;
  /** Told after each batch a retraining moves (its transaction committed). */
  onRetrainBatch?: (progress: RetrainProgress) => void;
  /** k-means iterations (default 10). */
  iterations?: number;
  /** Seed of the k-means initialisation and sample (default 1): training is deterministic. */
  seed?: number;
  /**
   * The sqlite-vec extension file a read-only connection on the helper thread loads, to scan a
   * large search's lists beside the calling thread (`createSqliteStore` sets it for a database
   * file). Absent or null: the calling thread scans alone. Results are the same either way.
   */
  sharedScan?: { extension: string } | null;
}

/** The defaults of {@link SqliteVectorStoreOptions}, and fixed parameters of training. */
export const IVF_DEFAULTS = {
  trainThreshold: 4096,
  nprobe: 16,
  minProbeFraction: 0.2,
  minProbeVectors: 20_000,
  retrainGrowth: 2,
  iterations: 10,
  seed: 1,
  /** Lists are round(sqrt(vectors)), clamped to this range. */
  minLists: 16,
  maxLists: 1024,
  /** k-means trains on a seeded sample of at most this many vectors per list… */
  trainRowsPerList: 32,
  /** …and at most this many in all (24 MiB at 384 dimensions): a retraining's memory bound. */
  maxSample: 16_384,
  /** Vectors a retraining moves per transaction. */
  retrainBatch: 128,
} as const;

/**
 * How many vectors a search of a trained generation scans: `nprobe` lists of average size, at least
 * `minProbeFraction` of them and at least `minProbeVectors`, at most all `total`.
 */
export function probeBudget(
  options: Pick<Required<SqliteVectorStoreOptions>, "nprobe" | "minProbeFraction" | "minProbeVectors">,
  total: number,
  lists: number,
): number {
  const { nprobe, minProbeFraction, minProbeVectors } = options;
  return Math.min(total, Math.max((nprobe * total) / lists, minProbeFraction * total, minProbeVectors));
}

/**
 * Vectors in sqlite-vec `vec0` tables, keyed by the rowid of the memory or message they embed and
 * compared by cosine distance, with an inverted-file (IVF) index per agent and space on top.
 *
 * An agent's vectors start in list 0, searched exactly. When it has `trainThreshold` vectors, and
 * again each time they grow `retrainGrowth`-fold, a retraining in the background (see
 * {@link IvfRetrain}) clusters them into round(sqrt(n)) lists by spherical k-means over a bounded
 * sample, and moves each vector to the list of its nearest centroid, a batch per transaction; every
 * later vector goes to its nearest list too. A search ranks the centroids against the query in JS
 * and runs sqlite-vec k-NN over the nearest lists only (see `nprobe`): approximate, for scanning a
 * fraction of the vectors. While a retraining is under way, searches probe the old lists (for the
 * vectors not moved yet) and the new ones; the switch is one small transaction.
 */
export class SqliteVectorStore implements VectorStore {
  readonly #s: Statements;
  readonly #options: Required<Omit<SqliteVectorStoreOptions, "onRetrainBatch" | "sharedScan">> &
    Pick<SqliteVectorStoreOptions, "onRetrainBatch">;
  /** Where the helper thread reads for a shared scan: null when it cannot (in memory, no extension). */
  readonly #shared: ScanSource | null;
  /** Whether the helper thread has opened a connection to this file (closed with the store). */
  #sharedUsed = false;
  readonly #lists: IvfLists;
  /** Retrainings running in this process. */
  readonly #tasks = new RetrainTasks(() => this.#ready);
  #ready = false;

  constructor(statements: Statements, options: SqliteVectorStoreOptions = {}) {
    this.#s = statements;
    this.#lists = new IvfLists(statements);
    this.#options = {
      trainThreshold: options.trainThreshold ?? IVF_DEFAULTS.trainThreshold,
      nprobe: options.nprobe ?? IVF_DEFAULTS.nprobe,
      minProbeFraction: options.minProbeFraction ?? IVF_DEFAULTS.minProbeFraction,
      minProbeVectors: options.minProbeVectors ?? IVF_DEFAULTS.minProbeVectors,
      retrainGrowth: options.retrainGrowth ?? IVF_DEFAULTS.retrainGrowth,
      background: options.background ?? true,
      onRetrainBatch: options.onRetrainBatch,
      iterations: options.iterations ?? IVF_DEFAULTS.iterations,
      seed: options.seed ?? IVF_DEFAULTS.seed,
    };
    const path = options.sharedScan ? statements.db.location() : null;
    const file = fileIdentity(path);
    this.#shared =
      options.sharedScan && path !== null && file !== null
        ? { path, file, extension: options.sharedScan.extension }
        : null;
    if (!(this.#options.trainThreshold >= IVF_DEFAULTS.minLists)) {
      throw new EngramError("invalid_input", `trainThreshold must be at least ${IVF_DEFAULTS.minLists}`);
    }
    if (!(this.#options.nprobe >= 1)) throw new EngramError("invalid_input", "nprobe must be at least 1");
    if (!(this.#options.minProbeVectors >= 0))
      throw new EngramError(
        "invalid_input",
        `minProbeVectors must be 0 or more, got ${this.#options.minProbeVectors}`,
      );
    const growth = this.#options.retrainGrowth;
    if (!(growth === 0 || growth > 1))
      throw new EngramError("invalid_input", `retrainGrowth must be 0 (never) or more than 1, got ${growth}`);
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
    // Retrainings a stopped or killed process left half-way carry on, and ones that fell due in
    // a process that exited first (a CLI command) begin.
    for (const { space, agent_id } of this.#s.all<{ space: VectorSpace; agent_id: string }>(
      "SELECT space, agent_id FROM vector_lists",
    )) {
      const state = this.#lists.state(space, agent_id);
      if (state.pending !== null || this.#due(state)) this.#schedule(space, agent_id);
    }
  }

  /**
   * Creates the vector tables, replacing those of an unknown layout: their vectors are dropped, and
   * `missing` reports the items for re-embedding. The first layout is upgraded in place.
   */
  #createTables(dimensions: number): void {
    const db = this.#s.db;
    const layout = this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", LAYOUT_KEY);
    if (layout?.value === LAYOUT_1) upgradeListTables(this.#s);
    else if (layout?.value !== LAYOUT) {
      for (const { vectors } of Object.values(TABLES)) db.exec(`DROP TABLE IF EXISTS ${vectors}`);
      db.exec(
        "DROP TABLE IF EXISTS vector_lists; DROP TABLE IF EXISTS vector_centroids; DROP TABLE IF EXISTS vector_retrains;",
      );
      this.#lists.forget();
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
    createListTables(this.#s);
    this.#s.run(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      LAYOUT_KEY,
      LAYOUT,
    );
    this.#ready = true;
  }

  async upsert(space: VectorSpace, agentId: string, items: readonly VectorItem[]): Promise<void> {
    const schedule = inTransaction(this.#s.db, () => this.upsertNow(space, agentId, items));
    schedule?.();
  }

  /**
   * `upsert` inside the caller's transaction. Items in `fresh` were created in it, so have no vector
   * to replace; `written` holds the rows it wrote, whose rowids need no look-up. Returns what to run
   * once the transaction has committed (a retraining that fell due, which must not start inside
   * it), or null.
   */
  upsertNow(
    space: VectorSpace,
    agentId: string,
    items: readonly VectorItem[],
    fresh: ReadonlySet<string> = new Set(),
    written?: WrittenRows,
  ): (() => void) | null {
    if (!this.#initialised()) throw new EngramError("internal", "the vector tables are not created yet");
    const { vectors, items: table } = TABLES[space];
    const state = this.#lists.state(space, agentId);
    // New vectors go to the lists a retraining is filling, else to the active ones.
    const centroids = this.#targetCentroids(space, agentId, state);
    // The items' rowids: those just written from `written`, the others in one statement (an item
    // not the agent's has none).
    const source = space === "memories" ? "memory" : "message";
    const ids = items.map((item) => item.id);
    const { rowids, unknown } = (written ?? new WrittenRows()).known(source, ids, agentId);
    if (unknown.length > 0)
      for (const row of this.#s.all<{ id: string; rowid: number }>(
        `SELECT t.id, t.rowid FROM json_each(?) j CROSS JOIN ${table} t ON t.id = j.value AND t.agent_id = ?`,
        JSON.stringify(unknown),
        agentId,
      ))
        rowids.set(row.id, row.rowid);
    // The last vector given for a rowid wins.
    const pending = new Map<number, Float32Array>();
    for (const { id, vector } of items) {
      const rowid = rowids.get(id);
      if (rowid === undefined) continue;
      if (!pending.has(rowid) && !fresh.has(id)) this.#deleteRows(space, [rowid], agentId, state);
      pending.set(rowid, vector);
    }
    if (pending.size === 0) return null;
    const entries = [...pending];
    const lists = listsOf(
      centroids,
      entries.map(([, vector]) => vector),
    );
    // Grouped by list, so that each list's chunk is written in one run.
    const ordered = entries
      .map(([rowid, vector], i) => ({ rowid, vector, list: lists[i] as number }))
      .sort((a, b) => a.list - b.list || a.rowid - b.rowid);
    const values: SQLInputValue[] = [];
    for (const { rowid, vector, list } of ordered) {
      values.push(BigInt(rowid), part(agentId, list), toBlob(vector));
      count(state, list, 1);
    }
    insertRows(this.#s, `INSERT INTO ${vectors} (rowid, part, embedding)`, 3, values);
    this.#lists.save(space, agentId, state);
    return state.pending !== null || this.#due(state) ? () => this.#schedule(space, agentId) : null;
  }

  /**
   * Whether the agent's lists should be (re)trained now: their vectors have grown `retrainGrowth`
   * times since they were trained, or since the count the lists were sized for (about lists²: a
   * retraining sizes them when it begins, and vectors written while it runs are not counted).
   */
  #due(state: IvfState): boolean {
    const { trainThreshold, retrainGrowth } = this.#options;
    const n = totalVectors(state);
    const active = state.active;
    if (active === null) return n >= trainThreshold;
    if (retrainGrowth <= 0) return false;
    const sizedFor =
      active.lists < IVF_DEFAULTS.maxLists ? Math.min(state.trained, active.lists ** 2) : state.trained;
    return n >= sizedFor * retrainGrowth;
  }

  #targetCentroids(space: VectorSpace, agentId: string, state: IvfState): Centroids | null {
    if (state.pending !== null)
      return this.#lists.centroids(space, agentId, state.pending, pendingTag(state));
    if (state.active !== null) return this.#lists.centroids(space, agentId, state.active, activeTag(state));
    return null;
  }

  /**
   * (Re)trains an agent's lists in a space from its vectors now, and moves every vector to its
   * list, as a background retraining does but awaited (finishing one under way instead, if any).
   * Returns the number of lists (0 when it has fewer than 16 vectors and is left untrained).
   */
  async train(space: VectorSpace, agentId: string): Promise<number> {
    if (!this.#initialised()) return 0;
    await this.#tasks.runNow(
      space,
      agentId,
      this.#retrain(() => true),
    );
    return this.#lists.state(space, agentId).active?.lists ?? 0;
  }

  /** Trains (or finishes retraining) the agent's lists now: the backend-neutral face of `train`. */
  async optimise(space: VectorSpace, agentId: string): Promise<void> {
    await this.train(space, agentId);
  }

  async describeIndex(space: VectorSpace, agentId: string): Promise<VectorIndexReport> {
    return describeIvf(await this.indexState(space, agentId));
  }

  /**
   * Waits until no retraining runs in this process (including ones that start meanwhile). Returns
   * the reports of retrainings finished since the last call.
   */
  settled(): Promise<RetrainReport[]> {
    return this.#tasks.settled();
  }

  /** Stops background retrainings at their next pause (each resumes at the next open). */
  close(): void {
    this.#tasks.close();
    if (this.#sharedUsed && this.#shared !== null)
      startOnThread("closeVectorReader", { path: this.#shared.path });
  }

  /** Starts a background retraining of the agent's lists when due, unless one runs here already. */
  #schedule(space: VectorSpace, agentId: string): void {
    if (!this.#options.background) return;
    // A retraining sizes its lists for the vectors there when it began: if they have grown enough
    // while it ran, the next one starts now rather than at the agent's next write.
    const again = () => {
      if (this.#initialised() && this.#due(this.#lists.state(space, agentId))) this.#schedule(space, agentId);
    };
    this.#tasks.schedule(
      space,
      agentId,
      this.#retrain((s) => this.#due(s)),
      again,
    );
  }

  /** A retraining, begun (when none is pending) if `start` says so. */
  #retrain(start: (state: IvfState) => boolean): RetrainRun {
    return (space, agentId, pause) =>
      new IvfRetrain(
        this.#s,
        this.#lists,
        {
          minLists: IVF_DEFAULTS.minLists,
          maxLists: IVF_DEFAULTS.maxLists,
          trainRowsPerList: IVF_DEFAULTS.trainRowsPerList,
          maxSample: IVF_DEFAULTS.maxSample,
          batch: IVF_DEFAULTS.retrainBatch,
          iterations: this.#options.iterations,
          seed: this.#options.seed,
          pause,
          onBatch: this.#options.onRetrainBatch,
        },
        { space, agentId },
      ).run(start);
  }

  /**
   * The k nearest of the agent's vectors: exact while its lists are untrained, else among the
   * vectors of the lists nearest the query in each generation (see `nprobe`).
   */
  async search(space: VectorSpace, agentId: string, vector: Float32Array, k: number): Promise<VectorHit[]> {
    return this.#read((own) => {
      const { parts, scanned } = this.#probed(space, agentId, vector);
      return this.#knn(space, agentId, parts, vector, k, own && scanned >= SHARED_SCAN_MIN);
    });
  }

  /**
   * `search`, with the helper thread's share of a large scan begun at once: it takes lists while the
   * caller does other work (a search's full-text stage), and `result` scans the rest with it. The
   * lists are chosen now; when the agent's vectors have changed by the time of `result` (its lists'
   * stamp differs), what was begun is dropped and the search runs afresh, so the hits are always
   * those of `search` at the time of `result`.
   */
  startSearch(space: VectorSpace, agentId: string, vector: Float32Array, k: number): PendingVectorSearch {
    const again = () => this.search(space, agentId, vector, k);
    const afresh: PendingVectorSearch = { result: again, cancel: () => {} };
    if (this.#shared === null || this.#s.db.isTransaction || !this.#initialised()) return afresh;
    const { vectors } = TABLES[space];
    const stamp = () => this.#stamp(space, agentId);
    const chosen = this.#read(() => {
      const { parts, scanned } = this.#probed(space, agentId, vector);
      return scanned >= SHARED_SCAN_MIN && parts.length >= 2 ? { parts, stamp: stamp() } : null;
    });
    if (chosen === null) return afresh;
    const query = toBlob(vector);
    const shared = this.#startShared(space, agentId, chosen.parts, query, k);
    if (shared === null) return afresh;
    let open = true;
    return {
      result: async () => {
        if (!open) return again();
        open = false;
        let hits: VectorHit[] | null = null;
        try {
          hits = this.#read((own) => {
            if (!own || stamp() !== chosen.stamp) return null;
            const best = scanShared(
              this.#s.prepare(knnSql(vectors)),
              chosen.parts,
              query,
              k,
              shared.control,
              shared.task,
              stamp,
            );
            return this.#items(space, agentId, best);
          });
        } finally {
          // Not joined, or failed while joined: the thread's part is called off (its result, if
          // it is under way, taken and dropped).
          if (hits === null) abandonScan(shared.control, chosen.parts.length, shared.task);
        }
        return hits ?? again();
      },
      cancel: () => {
        if (!open) return;
        open = false;
        abandonScan(shared.control, chosen.parts.length, shared.task);
      },
    };
  }

  /** The partitions a search of `vector` scans (list 0 and the lists it probes) and their vectors. */
  #probed(space: VectorSpace, agentId: string, vector: Float32Array): { parts: string[]; scanned: number } {
    const state = this.#lists.state(space, agentId);
    const parts = [part(agentId, 0)];
    let scanned = state.untrained;
    for (const [g, tag] of [
      [state.active, activeTag(state)],
      [state.pending, pendingTag(state)],
    ] as const) {
      if (g === null) continue;
      const centroids = this.#lists.centroids(space, agentId, g, tag);
      for (const list of this.#probe(g, centroids, vector)) {
        parts.push(part(agentId, list));
        scanned += g.sizes[list - g.first] ?? 0;
      }
    }
    return { parts, scanned };
  }

  /** The lists of a generation a query probes (all of them without usable centroids). */
  #probe(g: Generation, centroids: Centroids | null, vector: Float32Array): number[] {
    if (centroids === null || centroids.dimensions !== vector.length) {
      return Array.from({ length: g.lists }, (_, c) => g.first + c);
    }
    const total = g.sizes.reduce((sum, n) => sum + n, 0);
    if (total === 0) return [];
    const { nprobe } = this.#options;
    const budget = probeBudget(this.#options, total, g.lists);
    const maxLists = Math.max(2 * nprobe, Math.ceil((2 * budget * g.lists) / total));
    return probeLists(centroids.values, vector, centroids.dimensions, g.sizes, budget, maxLists).map(
      (c) => g.first + c,
    );
  }

  /** The exact k nearest of the agent's vectors, over all its lists (for measuring recall). */
  async searchExact(
    space: VectorSpace,
    agentId: string,
    vector: Float32Array,
    k: number,
  ): Promise<VectorHit[]> {
    return this.#read((own) => {
      const state = this.#lists.state(space, agentId);
      return this.#knn(
        space,
        agentId,
        allParts(agentId, state),
        vector,
        k,
        own && totalVectors(state) >= SHARED_SCAN_MIN,
      );
    });
  }

  /** How an agent's vectors in a space are indexed: `lists` is 0 while untrained. */
  async indexState(space: VectorSpace, agentId: string): Promise<VectorIndexState> {
    if (!this.#initialised()) return { lists: 0, trained: 0, version: 0, sizes: [0], retraining: null };
    const state = this.#lists.state(space, agentId);
    const { active, pending } = state;
    return {
      lists: active?.lists ?? 0,
      trained: state.trained,
      version: state.version,
      sizes: [state.untrained, ...(active?.sizes ?? [])],
      retraining:
        pending === null
          ? null
          : {
              lists: pending.lists,
              vectors: pending.total,
              moved: pending.moved,
              running: this.#tasks.running(space, agentId),
            },
    };
  }

  /**
   * The k nearest vectors in these partitions (nearest-first order pays): one sqlite-vec k-NN per
   * partition, each asked only for vectors nearer than the k-th best found so far, so that few rows
   * come back through the virtual table. With `share` (a large scan in a snapshot of its own) the
   * helper thread takes lists too (see vector-scan.ts). Hits are the agent's items only.
   */
  #knn(
    space: VectorSpace,
    agentId: string,
    parts: string[],
    vector: Float32Array,
    k: number,
    share: boolean,
  ): VectorHit[] {
    const { vectors } = TABLES[space];
    const query = toBlob(vector);
    const statement = this.#s.prepare(knnSql(vectors));
    const best =
      (share ? this.#scanShared(space, agentId, statement, parts, query, k) : null) ??
      scanInOrder(statement, parts, query, k);
    return this.#items(space, agentId, best);
  }

  /** The agent's items among the nearest vectors found, nearest first. */
  #items(space: VectorSpace, agentId: string, best: readonly ScanHit[]): VectorHit[] {
    const { items } = TABLES[space];
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
        counts = this.#lists.state(space, owner);
        others.set(owner, counts);
      }
      count(counts, list, -1);
    }
    for (const [owner, counts] of others) this.#lists.save(space, owner, counts);
  }

  /**
   * Drops all of an agent's vectors, in every list, its centroids and any retraining under way;
   * called inside the agent's deletion.
   */
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
      for (const key of allParts(agentId, this.#lists.state(space, agentId))) {
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
      for (const table of ["vector_centroids", "vector_lists", "vector_retrains"]) {
        this.#s.run(`DELETE FROM ${table} WHERE space = ? AND agent_id = ?`, space, agentId);
      }
    }
    this.#lists.forget(agentId);
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
      this.#s.db.exec(
        "DROP TABLE IF EXISTS vector_lists; DROP TABLE IF EXISTS vector_centroids; DROP TABLE IF EXISTS vector_retrains;",
      );
      this.#s.run("DELETE FROM settings WHERE key LIKE 'vectors.%'");
    });
    this.#lists.forget();
    this.#ready = false;
  }

  /**
   * Whether `initialise` has created the tables, in this layout (upgrading the first one in place);
   * once true, stays true until `reset`.
   */
  #initialised(): boolean {
    if (this.#ready) return true;
    const layout = this.#s.get<{ value: string }>(
      "SELECT value FROM settings WHERE key = ?",
      LAYOUT_KEY,
    )?.value;
    if (layout === LAYOUT_1) {
      inTransaction(this.#s.db, () => {
        upgradeListTables(this.#s);
        this.#s.run("UPDATE settings SET value = ? WHERE key = ?", LAYOUT, LAYOUT_KEY);
      });
    }
    this.#ready = layout === LAYOUT || layout === LAYOUT_1;
    return this.#ready;
  }

  /**
   * The best k of `parts` scanned by this thread and the helper thread together, or null when
   * there is no thread or file to share them with.
   */
  #scanShared(
    space: VectorSpace,
    agentId: string,
    statement: StatementSync,
    parts: readonly string[],
    query: Uint8Array,
    k: number,
  ): ScanHit[] | null {
    const shared = this.#startShared(space, agentId, parts, query, k);
    if (shared === null) return null;
    return scanShared(statement, parts, query, k, shared.control, shared.task, () =>
      this.#stamp(space, agentId),
    );
  }

  /** The state of the agent's lists in `space` as this connection sees it (see `STAMP_SQL`). */
  #stamp(space: VectorSpace, agentId: string): string {
    return listStamp(this.#s.prepare(STAMP_SQL), space, agentId);
  }

  /** Hands a scan of `parts` to the helper thread, or null when there is no thread or file to share it with. */
  #startShared(
    space: VectorSpace,
    agentId: string,
    parts: readonly string[],
    query: Uint8Array,
    k: number,
  ): { control: Int32Array; task: ThreadTask<ScanOutput | null> } | null {
    if (this.#shared === null || parts.length < 2) return null;
    const control = scanControl();
    // A thread still booting would not take a list in time, and would hold up a process's exit.
    const task = startOnReadyThread("scanVectors", {
      ...this.#shared,
      table: TABLES[space].vectors,
      space,
      agentId,
      parts,
      // A copy: a view would send the whole buffer it views.
      query: query.slice(),
      k,
      control,
    });
    if (task === null) return null;
    this.#sharedUsed = true;
    return { control, task };
  }

  /**
   * Runs reads in one snapshot, so that a retraining's batch cannot move vectors between them.
   * `fn` is told whether the snapshot is its own (no transaction of the caller's was open).
   */
  #read<T>(fn: (own: boolean) => T): T {
    const db = this.#s.db;
    if (db.isTransaction) return fn(false);
    db.exec("BEGIN");
    try {
      return fn(true);
    } finally {
      if (db.isTransaction) db.exec("COMMIT");
    }
  }
}

/**
 * The list each vector belongs in: 0 without centroids. A vector of another dimension gets 0 too,
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
    lists[i] = centroids.first + (labels[r] as number);
  });
  return lists;
}
