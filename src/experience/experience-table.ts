import type { ActionStats, ExperienceRecord } from "../core/types.ts";
import { lexicalSimilarity, type Similarity } from "./similarity.ts";

export interface ExperienceOptions {
  /** Discount γ (default 1). */
  gamma: number;
  /** Steps n of the n-step return (default 1). */
  nStep: number;
  /** `mean`: α = 1/N, the visits of the action (default); `const`: α = `alpha`. */
  updateMode: "mean" | "const";
  alpha: number;
  /** Most records kept (default 500). */
  capacity: number;
  /** Most actions kept per record (default 20). */
  actionCapacity: number;
  /**
   * Planning passes after each finished episode (default 0: Rememberer's online updates only). With
   * passes > 0, the counted outcomes of every action are backed up by value iteration; see planning.ts.
   */
  planningPasses: number;
  /** Weight w of task similarity in `w·sim_task + (1−w)·sim_obs` (default 0.5). */
  taskWeight: number;
  taskSimilarity: Similarity;
  observationSimilarity: Similarity;
}

export const EXPERIENCE_DEFAULTS: ExperienceOptions = {
  gamma: 1,
  nStep: 1,
  updateMode: "mean",
  alpha: 0.1,
  capacity: 500,
  actionCapacity: 20,
  planningPasses: 0,
  taskWeight: 0.5,
  taskSimilarity: lexicalSimilarity,
  observationSimilarity: lexicalSimilarity,
};

/** Most similar first; ties: more visits first, then by id. */
export function bySimilarity(
  a: { record: ExperienceRecord; similarity: number },
  b: { record: ExperienceRecord; similarity: number },
): number {
  return (
    b.similarity - a.similarity || b.record.visits - a.record.visits || (a.record.id < b.record.id ? -1 : 1)
  );
}

/** Actions of the best episode's history a record keeps: the last 20 before it was reached. */
export const HISTORY_KEPT = 20;

const key = (task: string, observation: string) => `${task}\u0000${observation}`;

/** What changed in a table since it was loaded: records to write and ids to delete. */
export interface TableChanges {
  upserts: Map<string, ExperienceRecord>;
  deletes: Set<string>;
  dropped: number;
  evicted: ExperienceRecord[];
}

/**
 * The experience memory of one agent in memory: Rememberer's records with their capacity rules. It
 * tracks its changes so the caller can persist them in one transaction.
 */
export class ExperienceTable {
  readonly options: ExperienceOptions;
  readonly #records = new Map<string, ExperienceRecord>();
  readonly #newId: () => string;
  readonly #now: () => string;
  #closestPair: { a: string; b: string; similarity: number } | null | undefined;
  changes: TableChanges = { upserts: new Map(), deletes: new Set(), dropped: 0, evicted: [] };

  constructor(
    records: readonly ExperienceRecord[],
    options: ExperienceOptions,
    ids: { newId: () => string; now: () => string },
  ) {
    this.options = options;
    for (const record of records)
      this.#records.set(key(record.task, record.observation), structuredClone(record));
    this.#newId = ids.newId;
    this.#now = ids.now;
  }

  /** Moves whenever a record is added or removed, so an index over the records knows it is stale. */
  get generation(): number {
    return this.#generation;
  }

  #generation = 0;

  get size(): number {
    return this.#records.size;
  }

  records(): ExperienceRecord[] {
    return [...this.#records.values()];
  }

  find(task: string, observation: string): ExperienceRecord | undefined {
    return this.#records.get(key(task, observation));
  }

  /** `w·sim_task + (1−w)·sim_obs`. */
  similarity(a: { task: string; observation: string }, b: { task: string; observation: string }): number {
    const w = this.options.taskWeight;
    return (
      w * this.options.taskSimilarity(a.task, b.task) +
      (1 - w) * this.options.observationSimilarity(a.observation, b.observation)
    );
  }

  /** The k most similar records, ties broken by more visits. */
  nearest(
    task: string,
    observation: string,
    k: number,
    exclude?: ExperienceRecord,
  ): { record: ExperienceRecord; similarity: number }[] {
    const scored: { record: ExperienceRecord; similarity: number }[] = [];
    for (const record of this.#records.values()) {
      if (record === exclude) continue;
      scored.push({ record, similarity: this.similarity({ task, observation }, record) });
    }
    scored.sort(bySimilarity);
    return scored.slice(0, k);
  }

  /**
   * The record for (task, observation), created if new. When the memory is full, the new record is
   * dropped (null) if it is at least as similar to a stored record as the two most similar stored
   * records are to each other; otherwise one of that pair (the less visited) is evicted for it.
   */
  obtain(task: string, observation: string): ExperienceRecord | null {
    const existing = this.find(task, observation);
    if (existing !== undefined) return existing;
    if (this.#records.size >= this.options.capacity) {
      const best = this.nearest(task, observation, 1)[0]?.similarity ?? 0;
      const pair = this.#closest();
      if (pair === null || best >= pair.similarity) {
        this.changes.dropped++;
        return null;
      }
      const a = this.#records.get(pair.a) as ExperienceRecord;
      const b = this.#records.get(pair.b) as ExperienceRecord;
      const victim = a.visits < b.visits || (a.visits === b.visits && a.createdAt <= b.createdAt) ? a : b;
      this.#remove(victim);
    }
    const now = this.#now();
    const record: ExperienceRecord = {
      id: this.#newId(),
      agentId: "",
      task,
      observation,
      actions: [],
      bestHistory: [],
      bestReturn: null,
      visits: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.#records.set(key(task, observation), record);
    this.#generation++;
    this.#closestPair = undefined;
    this.#touch(record);
    return record;
  }

  /** The highest Q among a record's actions, or 0 for a record with none. */
  maxQ(record: ExperienceRecord): number {
    return record.actions.length === 0 ? 0 : Math.max(...record.actions.map((a) => a.q));
  }

  /**
   * One Q-learning update of (record, action) towards `target`, with the immediate `reward` folded
   * into the action's mean reward. Over the action cap, the action with the lowest mean reward goes.
   */
  update(record: ExperienceRecord, action: string, reward: number, target: number): ActionStats {
    let stats = record.actions.find((a) => a.action === action);
    if (stats === undefined) {
      if (record.actions.length >= this.options.actionCapacity) {
        const worst = record.actions.reduce((w, a) => (a.meanReward < w.meanReward ? a : w));
        record.actions = record.actions.filter((a) => a !== worst);
      }
      stats = { action, q: 0, meanReward: 0, visits: 0 };
      record.actions.push(stats);
    }
    stats.visits += 1;
    stats.meanReward += (reward - stats.meanReward) / stats.visits;
    const alpha = this.options.updateMode === "mean" ? 1 / stats.visits : this.options.alpha;
    stats.q += alpha * (target - stats.q);
    record.visits += 1;
    this.#touch(record);
    return stats;
  }

  /** Keeps the action history of the best-returning episode that visited the record. */
  noteHistory(record: ExperienceRecord, history: readonly string[], episodeReturn: number): void {
    if (record.bestReturn === null || episodeReturn > record.bestReturn) {
      record.bestReturn = episodeReturn;
      record.bestHistory = history.slice(-HISTORY_KEPT);
      this.#touch(record);
    }
  }

  /** Marks a record as changed, to be written with the table's other changes. */
  changed(record: ExperienceRecord): void {
    this.#touch(record);
  }

  #touch(record: ExperienceRecord): void {
    record.updatedAt = this.#now();
    this.changes.upserts.set(record.id, record);
  }

  #remove(record: ExperienceRecord): void {
    this.#records.delete(key(record.task, record.observation));
    this.#generation++;
    this.changes.upserts.delete(record.id);
    this.changes.deletes.add(record.id);
    this.changes.evicted.push(record);
    this.#closestPair = undefined;
  }

  /** The most similar pair of stored records (recomputed only after the set changes). */
  #closest(): { a: string; b: string; similarity: number } | null {
    if (this.#closestPair !== undefined) return this.#closestPair;
    const entries = [...this.#records];
    let best: { a: string; b: string; similarity: number } | null = null;
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const [ka, a] = entries[i] as [string, ExperienceRecord];
        const [kb, b] = entries[j] as [string, ExperienceRecord];
        const similarity = this.similarity(a, b);
        if (best === null || similarity > best.similarity) best = { a: ka, b: kb, similarity };
      }
    }
    this.#closestPair = best;
    return best;
  }
}
