import type { ExperienceRecord } from "../core/types.ts";
import { bySimilarity, type ExperienceTable } from "./experience-table.ts";
import { lexicalSimilarity, textFeatures } from "./similarity.ts";

/** A record and how similar its observation is to the one asked about. */
export interface SimilarRecord {
  record: ExperienceRecord;
  similarity: number;
}

interface Index {
  generation: number;
  /** Per word or word pair, the records of the task whose observation has it. */
  postings: Map<string, ExperienceRecord[]>;
}

// Per table (one agent's memory), so nothing is shared between agents or engines.
const indexes = new WeakMap<ExperienceTable, Map<string, Index>>();

/**
 * The records of one task whose observation is at least `min` similar to `observation` by the lexical
 * similarity (Jaccard of words and word pairs), most similar first, at most `k`. An inverted index
 * with prefix filtering keeps this fast on large memories: a record reaching `min` must share at
 * least ⌈min·m⌉ of the query's m features, so it shares one of the query's m − ⌈min·m⌉ + 1 rarest,
 * and only records under those are scored.
 */
export function similarObservations(
  table: ExperienceTable,
  task: string,
  observation: string,
  k: number,
  min: number,
): SimilarRecord[] {
  const query = [...textFeatures(observation)];
  if (query.length === 0 || k <= 0) return [];
  const index = indexOf(table, task);
  const need = Math.max(1, Math.ceil(min * query.length));
  const rarest = query
    .map((f) => index.postings.get(f) ?? [])
    .sort((a, b) => a.length - b.length)
    .slice(0, query.length - need + 1);
  const seen = new Set<ExperienceRecord>();
  const out: SimilarRecord[] = [];
  for (const list of rarest) {
    for (const record of list) {
      if (seen.has(record)) continue;
      seen.add(record);
      const similarity = lexicalSimilarity(observation, record.observation);
      if (similarity >= min) out.push({ record, similarity });
    }
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
  const postings = new Map<string, ExperienceRecord[]>();
  for (const record of table.records()) {
    if (record.task !== task) continue;
    for (const feature of textFeatures(record.observation)) {
      const list = postings.get(feature);
      if (list === undefined) postings.set(feature, [record]);
      else list.push(record);
    }
  }
  const index = { generation: table.generation, postings };
  byTask.set(task, index);
  return index;
}
