import type { ExperienceRecord } from "../core/types.ts";
import { bySimilarity, type ExperienceTable } from "./experience-table.ts";
import { textFeatures } from "./similarity.ts";

/** A record and how similar its observation is to the one asked about. */
export interface SimilarRecord {
  record: ExperienceRecord;
  similarity: number;
}

interface Index {
  generation: number;
  records: ExperienceRecord[];
  /** Per record (by position), how many words and word pairs its observation has. */
  sizes: Int32Array;
  /** Per word or word pair, the positions of the records whose observation has it. */
  postings: Map<string, number[]>;
  /** Shared features per record during a lookup: kept at zero between lookups, so it is reused. */
  shared: Int32Array;
}

// Per table (one agent's memory), so nothing is shared between agents or engines.
const indexes = new WeakMap<ExperienceTable, Map<string, Index>>();

/**
 * The records of one task whose observation is at least `min` similar to `observation` by the lexical
 * similarity (Jaccard of words and word pairs, as `lexicalSimilarity`), most similar first, at most
 * `k`. An inverted index counts each record's shared features in one pass over the query's postings,
 * so the cost follows how often the query's words occur, not how many records there are.
 */
export function similarObservations(
  table: ExperienceTable,
  task: string,
  observation: string,
  k: number,
  min: number,
): SimilarRecord[] {
  const query = textFeatures(observation);
  if (query.size === 0 || k <= 0) return [];
  const index = indexOf(table, task);
  const { shared } = index;
  const touched: number[] = [];
  for (const feature of query) {
    for (const at of index.postings.get(feature) ?? []) {
      if (shared[at] === 0) touched.push(at);
      shared[at] = (shared[at] ?? 0) + 1;
    }
  }
  const out: SimilarRecord[] = [];
  for (const at of touched) {
    const s = shared[at] ?? 0;
    const similarity = s / (query.size + (index.sizes[at] ?? 0) - s);
    if (similarity >= min) out.push({ record: index.records[at] as ExperienceRecord, similarity });
    shared[at] = 0;
  }
  out.sort(bySimilarity);
  return out.slice(0, k);
}

function indexOf(table: ExperienceTable, task: string): Index {
  let byTask = indexes.get(table);
  if (byTask === undefined) {
    byTask = new Map();
    indexes.set(table, byTask);
  }
  const cached = byTask.get(task);
  if (cached !== undefined && cached.generation === table.generation) return cached;
  const records = table.records().filter((r) => r.task === task);
  const sizes = new Int32Array(records.length);
  const postings = new Map<string, number[]>();
  records.forEach((record, at) => {
    const features = textFeatures(record.observation);
    sizes[at] = features.size;
    for (const feature of features) {
      const list = postings.get(feature);
      if (list === undefined) postings.set(feature, [at]);
      else list.push(at);
    }
  });
  const index = {
    generation: table.generation,
    records,
    sizes,
    postings,
    shared: new Int32Array(records.length),
  };
  byTask.set(task, index);
  return index;
}
