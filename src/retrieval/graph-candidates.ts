import type { Memory, Message } from "../core/types.ts";
import type { GraphHit } from "../graph/graph-expansion.ts";
import type { GraphUsers, MemoryFilter, MessageFilter, Store } from "../store/store.ts";

/** Most items a search takes in from the graph that its rankings did not find. */
export const MAX_GRAPH_ADDITIONS = 20;

/**
 * Which users' graphs a search follows: the user's own and, when shared items are searched too, the
 * agent's own; a search for no user follows only the agent's own graph, never a user's.
 */
export function graphUsers(userId: string | undefined, includeShared: boolean): GraphUsers {
  if (userId === undefined) return [null];
  return includeShared ? [userId, null] : [userId];
}

/**
 * The ids of the best-scored hits that the rankings missed (and that `keep` keeps), at most `max`,
 * best first (ties by id): what a search takes in through a link the rankings did not follow.
 */
export function bestMissing<H extends { score: number }>(
  hits: ReadonlyMap<string, H>,
  found: ReadonlySet<string>,
  max: number,
  keep: (hit: H) => boolean = () => true,
): string[] {
  return [...hits]
    .filter(([id, hit]) => keep(hit) && !found.has(id))
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([id]) => id);
}

/** The best-connected graph hits of one source that the rankings missed, by id, best first. */
function missing(
  hits: Map<string, GraphHit>,
  source: GraphHit["source"],
  found: ReadonlySet<string>,
): string[] {
  return bestMissing(hits, found, MAX_GRAPH_ADDITIONS, (hit) => hit.source === source);
}

/** The memories of these ids that pass the search's filter, which the store holds them to. */
export async function memoriesPassing(
  store: Store,
  filter: MemoryFilter,
  ids: readonly string[],
): Promise<Memory[]> {
  if (ids.length === 0) return [];
  return store.memories.list({ ...filter, ids }, { limit: ids.length + 1 });
}

/** Memories the graph found that the rankings did not, held to the search's filter by the store. */
export async function graphMemories(
  store: Store,
  hits: Map<string, GraphHit>,
  filter: MemoryFilter,
  found: ReadonlySet<string>,
): Promise<Memory[]> {
  return memoriesPassing(store, filter, missing(hits, "memory", found));
}

/** Messages the graph found that the rankings did not, held to the search's filter by the store. */
export async function graphMessages(
  store: Store,
  hits: Map<string, GraphHit>,
  filter: MessageFilter,
  found: ReadonlySet<string>,
): Promise<Message[]> {
  const ids = missing(hits, "message", found);
  if (ids.length === 0) return [];
  return store.messages.list({ ...filter, ids }, { limit: ids.length + 1 });
}
