import type { EntityType, GraphRecord, GraphSource } from "../core/graph-types.ts";
import { MAX_RELATION_PROVENANCE } from "./graph-store.ts";
import { userKey } from "./rows/graph-rows.ts";

export interface BatchEntity {
  user: string;
  key: string;
  name: string;
  type: EntityType;
  /** A model gave the type (see `GraphFacts`): it replaces the stored one. */
  typed: boolean;
  firstSeen: string;
  lastSeen: string;
  /** Mentions this batch adds. */
  mentions: number;
}

export interface BatchRelation {
  user: string;
  source: string;
  target: string;
  type: string;
  weight: number;
  validFrom: string;
  validTo: string | null;
  /** The latest end a source of this batch states outright: it closes the stored relation too. */
  endedAt: string | null;
  provenance: GraphSource[];
}

export interface BatchMention {
  user: string;
  key: string;
  source: string;
  id: string;
  at: string;
}

/**
 * Records merged into one row per entity and per relation, so that a backend writes a batch with one
 * upsert per table (an upsert may not touch one row twice) and both backends merge alike: a relation
 * is open while any source stating it is open, else closed at the latest end among them.
 */
export function mergeRecords(records: readonly GraphRecord[]): {
  itemIds: string[];
  entities: BatchEntity[];
  mentions: BatchMention[];
  relations: BatchRelation[];
} {
  const entities = new Map<string, BatchEntity>();
  const relations = new Map<string, BatchRelation>();
  const mentions = new Map<string, BatchMention>();
  for (const r of records) {
    const user = userKey(r.userId);
    for (const e of r.entities) {
      const id = `${user}\u0000${e.key}`;
      const known = entities.get(id);
      if (known === undefined)
        entities.set(id, {
          user,
          key: e.key,
          name: e.name,
          type: e.type,
          typed: e.typed === true,
          firstSeen: r.at,
          lastSeen: r.at,
          mentions: 1,
        });
      else {
        known.mentions++;
        if (e.typed === true && !known.typed) {
          known.type = e.type;
          known.typed = true;
        }
        if (r.at < known.firstSeen) known.firstSeen = r.at;
        if (r.at > known.lastSeen) known.lastSeen = r.at;
      }
      mentions.set(`${id}\u0000${r.id}`, { user, key: e.key, source: r.source, id: r.id, at: r.at });
    }
    for (const rel of r.relations) {
      const id = [user, rel.source, rel.target, rel.type].join("\u0000");
      const ended = rel.validTo ?? null;
      // A relation stated to have ended began no later than its end.
      const start = rel.validFrom ?? (ended !== null && ended < r.at ? ended : r.at);
      const known = relations.get(id);
      if (known === undefined) {
        relations.set(id, {
          user,
          source: rel.source,
          target: rel.target,
          type: rel.type,
          weight: 1,
          validFrom: start,
          validTo: ended ?? r.closedAt,
          endedAt: ended,
          provenance: [{ source: r.source, id: r.id }],
        });
        continue;
      }
      known.weight++;
      if (start < known.validFrom) known.validFrom = start;
      known.validTo = closedUntil(known.validTo, ended ?? r.closedAt);
      if (ended !== null && (known.endedAt === null || ended > known.endedAt)) known.endedAt = ended;
      if (known.provenance.length < MAX_RELATION_PROVENANCE)
        known.provenance.push({ source: r.source, id: r.id });
    }
  }
  // A stated end closes the relation whatever the other sources say (a move ends `lives_in`).
  for (const rel of relations.values())
    if (rel.endedAt !== null && (rel.validTo === null || rel.validTo > rel.endedAt))
      rel.validTo = rel.endedAt;
  return {
    itemIds: [...new Set(records.map((r) => r.id))],
    // In key order, so concurrent batches lock shared rows in one order and cannot deadlock.
    entities: [...entities].sort(byId).map(([, e]) => e),
    mentions: [...mentions].sort(byId).map(([, m]) => m),
    relations: [...relations].sort(byId).map(([, r]) => r),
  };
}

/** The end of a relation stated by two sources: open (null) if either is open, else the later end. */
export function closedUntil(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return a > b ? a : b;
}

const byId = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
