import type { VectorSpace } from "../store.ts";
import { inWriteTransaction } from "./database.ts";
import { assignRows, normaliseRows, seededRandom, trainCentroidsInSlices } from "./ivf.ts";
import {
  activeTag,
  type Centroids,
  copyBytes,
  count,
  type IvfLists,
  type IvfState,
  inGeneration,
  type PendingGeneration,
  parsePart,
  part,
  pendingTag,
  totalVectors,
  VECTOR_TABLES,
} from "./ivf-lists.ts";
import type { Statements } from "./statements.ts";

/** What a retraining is told after each batch of vectors it moves. */
export interface RetrainProgress {
  space: VectorSpace;
  agentId: string;
  /** Vectors moved into the new lists so far. */
  moved: number;
  /** The agent's vectors when the retraining began. */
  total: number;
}

/** How a finished retraining went. */
export interface RetrainReport {
  space: VectorSpace;
  agentId: string;
  lists: number;
  /** The agent's vectors when it began. */
  vectors: number;
  /** Vectors k-means trained on (0 when this run resumed one trained earlier). */
  sampled: number;
  /** Vectors this run moved. */
  moved: number;
  /** Wall time of this run, training and moving. */
  durationMs: number;
  /**
   * The most memory its own arrays held at once (the sample, k-means' work arrays, a batch): the
   * bound it keeps whatever the agent's size.
   */
  peakBytes: number;
}

export interface RetrainSettings {
  minLists: number;
  maxLists: number;
  /** Vectors k-means trains on per list, at most `maxSample` in all. */
  trainRowsPerList: number;
  maxSample: number;
  /** Vectors moved per transaction. */
  batch: number;
  iterations: number;
  seed: number;
  /** Yields to other work between slices; resolves false when the retraining must stop (store closed). */
  pause: () => Promise<boolean>;
  onBatch?: ((progress: RetrainProgress) => void) | undefined;
}

/** Item keys read per page while sampling. */
const SAMPLE_PAGE = 4096;

/** Multiply-adds of nearest-list assignment between two pauses. */
const SLICE = 6_000_000;

/**
 * One retraining of an agent's lists in a space, in the background and resumable:
 *
 * 1. trains new centroids by k-means over a seeded reservoir sample of the agent's vectors (read a
 *    page at a time, so memory is bounded by the sample, not the agent), in slices of a few
 *    milliseconds;
 * 2. in one short transaction, stores them as a pending generation (`vector_retrains`): from then
 *    on new vectors go to its lists, and searches probe both generations;
 * 3. moves the other vectors to their nearest new list in batches, walking the agent's items in
 *    order, each batch one transaction that also records how far it got;
 * 4. in one small transaction, makes the pending generation the active one and drops the old
 *    centroids.
 *
 * Every vector is in exactly one list at every commit, so searches stay complete throughout. A
 * process killed at any point leaves either no pending generation (step 1 is redone) or one with
 * its progress, which the next run carries on from.
 */
export class IvfRetrain {
  readonly #s: Statements;
  readonly #lists: IvfLists;
  readonly #settings: RetrainSettings;
  readonly #space: VectorSpace;
  readonly #agentId: string;
  #peak = 0;
  #sampled = 0;
  #moved = 0;

  constructor(
    statements: Statements,
    lists: IvfLists,
    settings: RetrainSettings,
    target: { space: VectorSpace; agentId: string },
  ) {
    this.#s = statements;
    this.#lists = lists;
    this.#settings = settings;
    this.#space = target.space;
    this.#agentId = target.agentId;
  }

  /**
   * Runs (or resumes) the retraining to its switch. `start` says whether to begin one when none is
   * pending (given the state, e.g. whether it is due). Returns null when none ran to its end: none
   * was needed, too few vectors, or it was stopped (it resumes later).
   */
  async run(start: (state: IvfState) => boolean): Promise<RetrainReport | null> {
    const began = performance.now();
    let state = this.#lists.state(this.#space, this.#agentId);
    if (state.pending === null) {
      if (!start(state)) return null;
      const created = await this.#begin(state);
      if (created === null) return null;
      state = created;
    }
    const pending = state.pending as PendingGeneration;
    const finished = await this.#move(pending);
    if (!finished) return null;
    return {
      space: this.#space,
      agentId: this.#agentId,
      lists: pending.lists,
      vectors: pending.total,
      sampled: this.#sampled,
      moved: this.#moved,
      durationMs: Math.round(performance.now() - began),
      peakBytes: this.#peak,
    };
  }

  /** Steps 1 and 2: trains the centroids and stores the pending generation; null if it stopped. */
  async #begin(seen: IvfState): Promise<IvfState | null> {
    const { minLists, maxLists, trainRowsPerList, maxSample, iterations, seed } = this.#settings;
    const n = totalVectors(seen);
    const lists = Math.min(maxLists, Math.max(minLists, Math.round(Math.sqrt(n))));
    if (n < lists) return null;
    const random = seededRandom(seed);
    const rowids = await this.#sampleRowids(Math.min(maxSample, lists * trainRowsPerList), random);
    if (rowids === null) return null;
    const sample = this.#vectorsOf(rowids);
    const d = sample.dimensions;
    const rows = sample.count;
    if (rows < lists || d === 0) return null;
    this.#sampled = rows;
    const data = normaliseRows(sample.values.subarray(0, rows * d), d);
    // The sample, k-means' per-row arrays and its per-list sums, and the centroids.
    this.#note(data.byteLength + rowids.byteLength + rows * 28 + lists * d * 12);
    let stopped = false;
    const values = await trainCentroidsInSlices(data, d, lists, {
      iterations,
      random,
      pause: async () => {
        stopped ||= !(await this.#settings.pause());
      },
    });
    if (stopped || !(await this.#settings.pause())) return null;
    return inWriteTransaction(this.#s.db, () => {
      const state = this.#lists.state(this.#space, this.#agentId);
      // Another process began one meanwhile (carry on with it), or finished one (nothing to do).
      if (state.pending !== null) return state;
      if (state.version !== seen.version) return null;
      // Deleted meanwhile: nothing to index.
      if (this.#s.get("SELECT 1 AS found FROM agents WHERE id = ?", this.#agentId) === undefined) return null;
      const active = state.active;
      const first = active === null ? 1 : active.first + active.lists;
      this.#lists.saveCentroids(this.#space, this.#agentId, { first, lists, dimensions: d, values });
      state.pending = {
        first,
        lists,
        sizes: new Int32Array(lists),
        total: totalVectors(state),
        moved: 0,
        cursor: null,
      };
      this.#lists.save(this.#space, this.#agentId, state);
      return state;
    });
  }

  /**
   * A seeded reservoir sample of the rowids of the agent's items (Algorithm R), read a page of
   * keys at a time: memory holds the sample, never the agent's vectors. Null if it was stopped.
   */
  async #sampleRowids(size: number, random: () => number): Promise<Float64Array | null> {
    const { items, order } = VECTOR_TABLES[this.#space];
    const reservoir = new Float64Array(size);
    let seen = 0;
    let after: string | number = order === "id" ? "" : 0;
    for (;;) {
      const page = this.#s.all<{ rowid: number; key: string | number }>(
        `SELECT rowid, ${order} AS key FROM ${items} WHERE agent_id = ? AND ${order} > ? ORDER BY ${order} LIMIT ${SAMPLE_PAGE}`,
        this.#agentId,
        after,
      );
      for (const { rowid } of page) {
        if (seen < size) reservoir[seen] = rowid;
        else {
          const j = Math.floor(random() * (seen + 1));
          if (j < size) reservoir[j] = rowid;
        }
        seen++;
      }
      if (page.length < SAMPLE_PAGE) break;
      after = (page.at(-1) as { key: string | number }).key;
      if (!(await this.#settings.pause())) return null;
    }
    return reservoir.subarray(0, Math.min(seen, size)).sort();
  }

  /** The stored vectors of these rowids (items without one are left out). */
  #vectorsOf(rowids: Float64Array): { values: Float32Array; count: number; dimensions: number } {
    const { vectors } = VECTOR_TABLES[this.#space];
    let values = new Float32Array(0);
    let d = 0;
    let n = 0;
    for (let start = 0; start < rowids.length; start += 512) {
      const rows = this.#s.all<{ embedding: Uint8Array }>(
        `SELECT v.embedding AS embedding FROM json_each(?) j CROSS JOIN ${vectors} v ON v.rowid = j.value`,
        JSON.stringify(Array.from(rowids.subarray(start, start + 512))),
      );
      for (const row of rows) {
        if (d === 0) {
          d = row.embedding.byteLength / 4;
          values = new Float32Array(rowids.length * d);
        }
        if (row.embedding.byteLength !== d * 4) continue;
        values.set(new Float32Array(copyBytes(row.embedding)), n * d);
        n++;
      }
    }
    return { values, count: n, dimensions: d };
  }

  /** Step 3 and 4: moves every other vector into the pending lists, then switches; false if stopped. */
  async #move(pending: PendingGeneration): Promise<boolean> {
    const { items, vectors, order } = VECTOR_TABLES[this.#space];
    const { batch } = this.#settings;
    let cursor = pending.cursor;
    // CROSS JOIN: the agent's items drive the join, each vector found by its rowid (not a scan of
    // every agent's vectors).
    for (;;) {
      if (!(await this.#settings.pause())) return false;
      const state = this.#lists.state(this.#space, this.#agentId);
      if (!samePending(state.pending, pending)) return false;
      const centroids = this.#lists.centroids(this.#space, this.#agentId, pending, pendingTag(state));
      if (centroids === null) return false;
      const rows = this.#s.all<{ rowid: number; key: string | number; part: string; embedding: Uint8Array }>(
        `SELECT i.rowid AS rowid, i.${order} AS key, v.part AS part, v.embedding AS embedding
         FROM ${items} i CROSS JOIN ${vectors} v ON v.rowid = i.rowid
         WHERE i.agent_id = ? AND i.${order} > ? ORDER BY i.${order} LIMIT ${batch}`,
        this.#agentId,
        cursor ?? (order === "id" ? "" : 0),
      );
      const moving = rows.filter((row) => !inGeneration(pending, parsePart(row.part).list));
      // Nearest lists a slice at a time (a few milliseconds each), yielding between slices.
      const lists = new Int32Array(moving.length);
      const perSlice = Math.max(2, Math.floor(SLICE / (centroids.lists * centroids.dimensions)));
      for (let start = 0; start < moving.length; start += perSlice) {
        lists.set(assign(centroids, moving.slice(start, start + perSlice)), start);
        if (!(await this.#settings.pause())) return false;
      }
      this.#note(rows.length * (centroids.dimensions * 8 + 64) + centroids.values.byteLength);
      const last = rows.at(-1)?.key ?? cursor;
      const done = rows.length < batch;
      const outcome = await inWriteTransaction(
        this.#s.db,
        () => {
          const current = this.#lists.state(this.#space, this.#agentId);
          if (!samePending(current.pending, pending)) return "stopped" as const;
          const next = current.pending as PendingGeneration;
          const moves: { rowid: number; list: number; embedding: Uint8Array; from: number }[] = [];
          moving.forEach((row, i) => {
            // Re-read: a write since the batch was read may have moved or replaced the vector.
            const now = this.#s.get<{ part: string; embedding: Uint8Array }>(
              `SELECT part, embedding FROM ${vectors} WHERE rowid = ?`,
              BigInt(row.rowid),
            );
            if (now === undefined) return;
            const from = parsePart(now.part).list;
            if (inGeneration(next, from)) return;
            const list = sameBytes(now.embedding, row.embedding)
              ? (lists[i] as number)
              : (assign(centroids, [now])[0] as number);
            moves.push({ rowid: row.rowid, list, embedding: now.embedding, from });
          });
          for (const { rowid } of moves) this.#s.run(`DELETE FROM ${vectors} WHERE rowid = ?`, BigInt(rowid));
          // Grouped by list, so that each list's chunk is written in one run.
          moves.sort((a, b) => a.list - b.list || a.rowid - b.rowid);
          for (const { rowid, list, embedding, from } of moves) {
            this.#s.run(
              `INSERT INTO ${vectors} (rowid, part, embedding) VALUES (?, ?, ?)`,
              BigInt(rowid),
              part(this.#agentId, list),
              embedding,
            );
            count(current, from, -1);
            count(current, list, 1);
          }
          next.moved += moves.length;
          next.cursor = last;
          this.#moved += moves.length;
          if (done) {
            this.#switch(current);
            return "switched" as const;
          }
          this.#lists.save(this.#space, this.#agentId, current);
          return { moved: next.moved, total: next.total };
        },
        // Not waiting for the disk: a batch lost to a power cut is redone, since its moves and
        // its progress commit together.
        { fsync: false },
      );
      if (outcome === "stopped") return false;
      if (outcome === "switched") return true;
      this.#settings.onBatch?.({ space: this.#space, agentId: this.#agentId, ...outcome });
      cursor = last;
    }
  }

  /** Step 4, inside the last batch's transaction: the pending generation becomes the active one. */
  #switch(state: IvfState): void {
    const pending = state.pending as PendingGeneration;
    if (state.active !== null) this.#lists.deleteCentroids(this.#space, this.#agentId, state.active);
    this.#s.run("DELETE FROM vector_retrains WHERE space = ? AND agent_id = ?", this.#space, this.#agentId);
    const switched: IvfState = {
      version: state.version + 1,
      trained: pending.total,
      untrained: state.untrained,
      active: { first: pending.first, lists: pending.lists, sizes: pending.sizes },
      pending: null,
    };
    this.#lists.save(this.#space, this.#agentId, switched);
    // Warm the cache under the new tag, so the next search does not reload what is in memory.
    this.#lists.centroids(this.#space, this.#agentId, pending, activeTag(switched));
  }

  #note(bytes: number): void {
    this.#peak = Math.max(this.#peak, bytes);
  }
}

/** Whether the state's pending generation is still the one this run works on. */
function samePending(a: PendingGeneration | null, b: PendingGeneration): boolean {
  return a !== null && a.first === b.first && a.lists === b.lists;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** The list (number) each stored vector belongs in among these centroids. */
function assign(centroids: Centroids, rows: readonly { embedding: Uint8Array }[]): Int32Array {
  const d = centroids.dimensions;
  const fit = rows.flatMap((row, i) => (row.embedding.byteLength === d * 4 ? [i] : []));
  const data = new Float32Array(fit.length * d);
  fit.forEach((i, r) => {
    data.set(new Float32Array(copyBytes((rows[i] as { embedding: Uint8Array }).embedding)), r * d);
  });
  const labels = new Int32Array(fit.length);
  assignRows(centroids.values, data, d, labels);
  const out = new Int32Array(rows.length);
  fit.forEach((i, r) => {
    out[i] = centroids.first + (labels[r] as number);
  });
  return out;
}
