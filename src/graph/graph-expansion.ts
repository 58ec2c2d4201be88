import type { Entity, EntityMention } from "../core/graph-types.ts";
import { tokenize } from "../core/text.ts";
import type { GraphUsers, Store } from "../store/store.ts";
import { candidateKeys } from "./entity-key.ts";

/** Bounds of one search's walk through the graph, so its cost does not grow with the graph. */
export const GRAPH_EXPANSION = {
  /** Relations read from the entities a query names, strongest first. */
  relations: 50,
  /** Neighbours followed. */
  neighbours: 10,
  /** Memories and messages read for the named entities and their neighbours, newest first. */
  mentions: 100,
  /** Entities named by more items than this are not followed: they say little about any one. */
  maxMentions: 1_000,
} as const;

/** What the graph says for a query: the items it reached, and the entities the query names. */
export interface GraphExpansion {
  hits: Map<string, GraphHit>;
  /** The keys of the entities the query names that were followed. */
  named: string[];
}

/** What the graph says about one memory or message for a query. */
export interface GraphHit {
  /**
   * In [0, 1]: the sum of the weights of the neighbours through which it was reached (each the named
   * entity's rarity × how often the two are named together × the neighbour's own rarity), at most 1.
   */
  score: number;
  /** The entities (keys) through which it was found. */
  entities: string[];
  source: "memory" | "message";
}

/**
 * Follows the entities a query names one hop through the graph: each named entity weighs by how
 * rare it is; each neighbour by how often it is named with them (the share of the named entity's
 * mentions) and how rare it is itself. An item scores the weights of the neighbours it names, so a
 * memory about a neighbour ("Bea lives in Lisbon") is found for a question about the named entity
 * ("where does Ada's sister live?" after "Ada's sister is Bea"). Relations closed before `at` are
 * not followed. A memory that names a named entity itself is the text ranking's to judge: a search
 * gives it no graph part (`namesAny`), or "Ada works with Bea" would outrank "Ada lives in Lisbon"
 * for "where does Ada live?" by the neighbours it names.
 */
export async function expandThroughGraph(
  store: Store,
  agentId: string,
  users: GraphUsers,
  query: string,
  at: string,
): Promise<GraphExpansion> {
  const hits = new Map<string, GraphHit>();
  const first = await store.graph.namedWithRelations(agentId, users, candidateKeys(query), {
    maxMentions: GRAPH_EXPANSION.maxMentions,
    limit: GRAPH_EXPANSION.relations,
  });
  const named = first.entities.filter((e) => e.mentions <= GRAPH_EXPANSION.maxMentions);
  if (named.length === 0) return { hits, named: [] };
  const weight = new Map<string, number>();
  const mentionsOf = new Map<string, number>();
  for (const e of named) {
    weight.set(e.key, Math.max(weight.get(e.key) ?? 0, rarity(e)));
    mentionsOf.set(e.key, Math.max(mentionsOf.get(e.key) ?? 0, e.mentions));
  }
  const relations = first.relations.filter(
    (r) => r.validFrom <= at && (r.validTo === null || r.validTo > at),
  );
  const association = new Map<string, number>();
  for (const r of relations) {
    for (const [from, to] of [
      [r.source, r.target],
      [r.target, r.source],
    ] as const) {
      const w = weight.get(from);
      if (w === undefined || weight.has(to)) continue;
      const share = r.weight / Math.max(1, mentionsOf.get(from) ?? 1);
      association.set(to, (association.get(to) ?? 0) + w * Math.min(1, share));
    }
  }
  const neighbourEntities = await store.graph.findEntities(agentId, users, [...association.keys()]);
  const neighbourRarity = new Map<string, number>();
  for (const e of neighbourEntities) {
    if (e.mentions > GRAPH_EXPANSION.maxMentions) continue;
    neighbourRarity.set(e.key, Math.max(neighbourRarity.get(e.key) ?? 0, rarity(e)));
  }
  const neighbours = [...association]
    .flatMap(([key, a]) => {
      const r = neighbourRarity.get(key);
      return r === undefined ? [] : [[key, a * r] as const];
    })
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, GRAPH_EXPANSION.neighbours);
  // The named entities' own items are the lexical ranking's to find; the graph adds their neighbours'.
  const reached = new Map(neighbours);
  const mentions = await store.graph.mentions(agentId, users, [...reached.keys()], GRAPH_EXPANSION.mentions);
  addMentions(hits, mentions, reached);
  // Not normalised to the best hit: an item reached only through weak associations stays weak.
  for (const hit of hits.values()) hit.score = Math.min(1, hit.score);
  return { hits, named: [...new Set(named.map((e) => e.key))] };
}

/** Whether a text names any of these entities (keys), its words read as entity keys are made. */
export function namesAny(text: string, keys: readonly string[]): boolean {
  if (keys.length === 0) return false;
  // Most texts a search asks about name none of them: plain ASCII holding none of their first words
  // (as letters, lower-cased) is answered without reading its words.
  const sample = text.slice(0, 20_000);
  if (/^[\t\n\r -~]*$/.test(sample)) {
    const lower = sample.toLowerCase();
    if (!keys.some((key) => lower.includes(key.split(" ", 1)[0] ?? key))) return false;
  }
  const words = ` ${tokenize(sample)
    .filter((w, i) => !(w === "s" && i > 0))
    .join(" ")} `;
  return keys.some((key) => words.includes(` ${key} `));
}

function addMentions(
  hits: Map<string, GraphHit>,
  mentions: EntityMention[],
  weight: ReadonlyMap<string, number>,
): void {
  for (const m of mentions) {
    const hit = hits.get(m.id) ?? { score: 0, entities: [], source: m.source };
    if (hit.entities.includes(m.key)) continue;
    hit.entities.push(m.key);
    hit.score += weight.get(m.key) ?? 0;
    hits.set(m.id, hit);
  }
}

/** 1 for an entity named once, less the more items name it. */
function rarity(e: Entity): number {
  return 1 / (1 + Math.log(Math.max(1, e.mentions)));
}
