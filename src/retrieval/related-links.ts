import type { Memory } from "../core/types.ts";
import { markOf } from "../memory/memories/memory-mark.ts";
import type { MemoryFilter, Store } from "../store/store.ts";
import { bestMissing, memoriesPassing } from "./graph-candidates.ts";

/** How many of a search's best results have their related links followed. */
export const LINKS_FOLLOWED_FROM = 5;

/** Most memories a search takes in through related links that its rankings did not find. */
export const MAX_RELATED_ADDITIONS = 10;

/** What related links say about one memory for a search. */
export interface RelatedHit {
  /** In [0, 1]: the best linking result's score as a share of the search's best score. */
  score: number;
  /** The results that link to it, best first. */
  from: string[];
}

/**
 * The memories that the search's best memory results link to as related (the links sleep-time
 * consolidation makes between memories about the same subject, `metadata.sleeptime.related`), by
 * id: a result found for the query brings in what it was found to be about together with.
 */
export function relatedLinks(
  results: readonly { id: string; score: number; memory?: Memory }[],
): Map<string, RelatedHit> {
  const hits = new Map<string, RelatedHit>();
  const best = [...results]
    .filter((r) => r.memory !== undefined)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, LINKS_FOLLOWED_FROM);
  const top = best[0]?.score ?? 0;
  if (top <= 0) return hits;
  for (const result of best) {
    const share = Math.max(0, Math.min(1, result.score / top));
    for (const id of markOf(result.memory as Memory).related ?? []) {
      if (typeof id !== "string" || id === result.id) continue;
      const hit = hits.get(id) ?? { score: 0, from: [] };
      hit.score = Math.max(hit.score, share);
      hit.from.push(result.id);
      hits.set(id, hit);
    }
  }
  return hits;
}

/** The linked memories the rankings did not find (the best linked first), held to the search's filter. */
export function relatedMemories(
  store: Store,
  hits: ReadonlyMap<string, RelatedHit>,
  filter: MemoryFilter,
  found: ReadonlySet<string>,
): Promise<Memory[]> {
  return memoriesPassing(store, filter, bestMissing(hits, found, MAX_RELATED_ADDITIONS));
}
