import type { VectorSpace } from "../store.ts";
import type { Statements } from "./statements.ts";

/**
 * Where an agent's vectors are, per space: the bookkeeping of the inverted-file (IVF) lists over
 * sqlite-vec partitions, shared by the vector store and the background retraining.
 *
 * A vector's partition key is `<agentId>:<list>`. List 0 holds the vectors of an untrained agent.
 * A training makes a *generation* of lists numbered `first … first + lists - 1`, with one centroid
 * each in `vector_centroids`. While a retraining is under way a second, pending generation is
 * filled (its centroids and progress in `vector_retrains`), numbered after the active one, so that
 * every vector is always in exactly one list of list 0, the active generation or the pending one.
 */

/** The vector table and item table of each space, and the item order a retraining walks. */
export const VECTOR_TABLES: Record<VectorSpace, { vectors: string; items: string; order: string }> = {
  // Both orders are served by an index on (agent_id, order).
  memories: { vectors: "memory_vectors", items: "memories", order: "id" },
  messages: { vectors: "message_vectors", items: "messages", order: "rowid" },
};

/** A generation of lists: `sizes[c]` vectors in list `first + c`. */
export interface Generation {
  first: number;
  lists: number;
  sizes: Int32Array;
}

/** A generation being filled by a retraining. */
export interface PendingGeneration extends Generation {
  /** The agent's vectors when the retraining began (its `trained` once active). */
  total: number;
  /** Vectors moved into it so far. */
  moved: number;
  /** The order key (see {@link VECTOR_TABLES}) of the last item moved, or null before the first. */
  cursor: string | number | null;
}

/** An agent's index in one space. */
export interface IvfState {
  /** Bumped by every switch to a new generation, so that cached centroids know they are stale. */
  version: number;
  /** Vectors when the active generation was trained (0 while untrained). */
  trained: number;
  /** Vectors in list 0 (all of them while untrained). */
  untrained: number;
  /** The lists searches probe; null while untrained. */
  active: Generation | null;
  /** The generation a retraining is filling, or null. */
  pending: PendingGeneration | null;
}

/** A generation's centroids: `lists * dimensions` unit-length values, centroid `c` for list `first + c`. */
export interface Centroids {
  first: number;
  lists: number;
  dimensions: number;
  values: Float32Array;
}

/** The partition key of an agent's list. */
export const part = (agentId: string, list: number) => `${agentId}:${list}`;

/** The agent and list of a partition key. */
export function parsePart(key: string): { agentId: string; list: number } {
  const colon = key.lastIndexOf(":");
  return { agentId: key.slice(0, colon), list: Number(key.slice(colon + 1)) };
}

export const toBlob = (vector: Float32Array | Int32Array) =>
  new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);

export const copyBytes = (bytes: Uint8Array) =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** Every vector of the state: list 0 and both generations. */
export function totalVectors(state: IvfState): number {
  return state.untrained + sum(state.active?.sizes) + sum(state.pending?.sizes);
}

/** Whether `list` belongs to generation `g`. */
export const inGeneration = (g: Generation | null, list: number): g is Generation =>
  g !== null && list >= g.first && list < g.first + g.lists;

/** Counts `delta` vectors into or out of `list` (a list of no generation is not counted). */
export function count(state: IvfState, list: number, delta: number): void {
  if (list === 0) state.untrained = Math.max(0, state.untrained + delta);
  for (const g of [state.active, state.pending]) {
    if (inGeneration(g, list)) {
      const c = list - g.first;
      g.sizes[c] = Math.max(0, (g.sizes[c] as number) + delta);
    }
  }
}

/** Every partition that may hold one of the agent's vectors. */
export function allParts(agentId: string, state: IvfState): string[] {
  const lists = [0];
  for (const g of [state.active, state.pending]) {
    if (g !== null) for (let c = 0; c < g.lists; c++) lists.push(g.first + c);
  }
  return lists.map((list) => part(agentId, list));
}

function sum(values: Int32Array | undefined): number {
  let total = 0;
  for (const x of values ?? []) total += x;
  return total;
}

/** The tables of the lists (the vector tables themselves are the store's). */
export const LIST_TABLES = `
  CREATE TABLE IF NOT EXISTS vector_lists (
    space TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    lists INTEGER NOT NULL,
    trained INTEGER NOT NULL,
    sizes BLOB NOT NULL,
    first INTEGER NOT NULL DEFAULT 1,
    writes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space, agent_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS vector_centroids (
    space TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    list INTEGER NOT NULL,
    centroid BLOB NOT NULL,
    PRIMARY KEY (space, agent_id, list)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS vector_retrains (
    space TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    first INTEGER NOT NULL,
    lists INTEGER NOT NULL,
    total INTEGER NOT NULL,
    moved INTEGER NOT NULL,
    cursor ANY,
    sizes BLOB NOT NULL,
    PRIMARY KEY (space, agent_id)
  ) STRICT, WITHOUT ROWID;
`;

/**
 * Brings the list tables of the first layout (one generation, lists numbered from 1, no
 * retraining in the background) to this one, keeping every vector where it is.
 */
export function upgradeListTables(s: Statements): void {
  const columns = s.all<{ name: string }>("SELECT name FROM pragma_table_info('vector_lists')");
  if (columns.length > 0 && !columns.some((c) => c.name === "first")) {
    s.db.exec("ALTER TABLE vector_lists ADD COLUMN first INTEGER NOT NULL DEFAULT 1");
  }
  createListTables(s);
}

/** Creates the list tables where they are missing, and brings `vector_lists` to its last columns. */
export function createListTables(s: Statements): void {
  s.db.exec(LIST_TABLES);
  addWritesColumn(s);
}

/**
 * Gives `vector_lists` its `writes` column (a count of the saves of an agent's lists, which
 * every vector written, moved or deleted makes), where a table made before it lacks one.
 */
function addWritesColumn(s: Statements): void {
  const columns = s.all<{ name: string }>("SELECT name FROM pragma_table_info('vector_lists')");
  if (!columns.some((c) => c.name === "writes"))
    s.db.exec("ALTER TABLE vector_lists ADD COLUMN writes INTEGER NOT NULL DEFAULT 0");
}

/** Reads and writes the state of agents' lists; caches centroids until their generation changes. */
export class IvfLists {
  readonly #s: Statements;
  readonly #centroids = new Map<string, Centroids & { tag: string }>();

  constructor(statements: Statements) {
    this.#s = statements;
  }

  state(space: VectorSpace, agentId: string): IvfState {
    const row = this.#s.get<{
      version: number;
      lists: number;
      trained: number;
      sizes: Uint8Array;
      first: number;
      p_first: number | null;
      p_lists: number | null;
      p_total: number | null;
      p_moved: number | null;
      p_cursor: string | number | null;
      p_sizes: Uint8Array | null;
    }>(
      `SELECT l.version, l.lists, l.trained, l.sizes, l.first, r.first AS p_first, r.lists AS p_lists,
         r.total AS p_total, r.moved AS p_moved, r.cursor AS p_cursor, r.sizes AS p_sizes
       FROM (SELECT ? AS space, ? AS agent_id) k
       LEFT JOIN vector_lists l ON l.space = k.space AND l.agent_id = k.agent_id
       LEFT JOIN vector_retrains r ON r.space = k.space AND r.agent_id = k.agent_id`,
      space,
      agentId,
    );
    const stored = row?.sizes == null ? new Int32Array(1) : new Int32Array(copyBytes(row.sizes));
    const lists = row?.lists ?? 0;
    const state: IvfState = {
      version: row?.version ?? 0,
      trained: row?.trained ?? 0,
      untrained: stored[0] ?? 0,
      active: null,
      pending: null,
    };
    if (lists > 0) {
      const sizes = new Int32Array(lists);
      sizes.set(stored.subarray(1, lists + 1));
      state.active = { first: row?.first ?? 1, lists, sizes };
    }
    if (row?.p_first != null && row.p_lists != null && row.p_sizes != null) {
      const sizes = new Int32Array(row.p_lists);
      sizes.set(new Int32Array(copyBytes(row.p_sizes)).subarray(0, row.p_lists));
      state.pending = {
        first: row.p_first,
        lists: row.p_lists,
        sizes,
        total: row.p_total ?? 0,
        moved: row.p_moved ?? 0,
        cursor: row.p_cursor ?? null,
      };
    }
    return state;
  }

  /**
   * Saves the counts (and, with `pending`, the retraining's progress) of a state read in this
   * transaction, and counts one more write of the agent's lists (`writes`, which a shared scan
   * compares across connections: see vector-scan.ts).
   */
  save(space: VectorSpace, agentId: string, state: IvfState): void {
    const active = state.active;
    const sizes = new Int32Array((active?.lists ?? 0) + 1);
    sizes[0] = state.untrained;
    if (active !== null) sizes.set(active.sizes, 1);
    this.#s.run(
      `INSERT INTO vector_lists (space, agent_id, version, lists, trained, sizes, first, writes) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (space, agent_id) DO UPDATE SET version = excluded.version, lists = excluded.lists,
         trained = excluded.trained, sizes = excluded.sizes, first = excluded.first,
         writes = vector_lists.writes + 1`,
      space,
      agentId,
      state.version,
      active?.lists ?? 0,
      state.trained,
      toBlob(sizes),
      active?.first ?? 1,
    );
    const pending = state.pending;
    if (pending === null) return;
    this.#s.run(
      `INSERT INTO vector_retrains (space, agent_id, first, lists, total, moved, cursor, sizes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (space, agent_id) DO UPDATE SET first = excluded.first, lists = excluded.lists,
         total = excluded.total, moved = excluded.moved, cursor = excluded.cursor, sizes = excluded.sizes`,
      space,
      agentId,
      pending.first,
      pending.lists,
      pending.total,
      pending.moved,
      pending.cursor,
      toBlob(pending.sizes),
    );
  }

  /** Stores a generation's centroids (list `first + c` gets centroid `c`). */
  saveCentroids(space: VectorSpace, agentId: string, centroids: Centroids): void {
    const { first, lists, dimensions: d, values } = centroids;
    for (let c = 0; c < lists; c++) {
      this.#s.run(
        "INSERT OR REPLACE INTO vector_centroids (space, agent_id, list, centroid) VALUES (?, ?, ?, ?)",
        space,
        agentId,
        first + c,
        toBlob(values.subarray(c * d, c * d + d)),
      );
    }
  }

  /** Deletes a generation's centroids. */
  deleteCentroids(space: VectorSpace, agentId: string, g: Generation): void {
    this.#s.run(
      "DELETE FROM vector_centroids WHERE space = ? AND agent_id = ? AND list >= ? AND list < ?",
      space,
      agentId,
      g.first,
      g.first + g.lists,
    );
  }

  /**
   * A generation's centroids, from memory unless it changed (here or in another process): `tag`
   * names the generation's identity (the active one's version, or the pending one's).
   */
  centroids(space: VectorSpace, agentId: string, g: Generation, tag: string): Centroids | null {
    const key = `${space}\u0000${agentId}\u0000${g.first}`;
    const cached = this.#centroids.get(key);
    if (cached !== undefined && cached.tag === tag && cached.lists === g.lists) return cached;
    const rows = this.#s.all<{ centroid: Uint8Array }>(
      "SELECT centroid FROM vector_centroids WHERE space = ? AND agent_id = ? AND list >= ? AND list < ? ORDER BY list",
      space,
      agentId,
      g.first,
      g.first + g.lists,
    );
    if (rows.length !== g.lists || rows.length === 0) return null;
    const dimensions = (rows[0] as { centroid: Uint8Array }).centroid.byteLength / 4;
    const values = new Float32Array(rows.length * dimensions);
    rows.forEach((row, c) => {
      values.set(new Float32Array(copyBytes(row.centroid)), c * dimensions);
    });
    const loaded = { first: g.first, lists: g.lists, dimensions, values, tag };
    this.#centroids.set(key, loaded);
    return loaded;
  }

  /** Forgets cached centroids (of one agent, or all). */
  forget(agentId?: string): void {
    if (agentId === undefined) this.#centroids.clear();
    else
      for (const key of this.#centroids.keys())
        if (key.split("\u0000")[1] === agentId) this.#centroids.delete(key);
  }
}

/** The cache tag of the active generation and of the pending one. */
export const activeTag = (state: IvfState) => `a${state.version}`;
export const pendingTag = (state: IvfState) => `p${state.version}`;
