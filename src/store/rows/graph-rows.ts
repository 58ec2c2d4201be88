import type { Entity, EntityMention, EntityType, GraphSource, Relation } from "../../core/graph-types.ts";
import type { BatchRelation } from "../graph-batch.ts";

/** The user a graph row belongs to, as stored: the empty string for the agent's own. */
export function userKey(userId: string | null): string {
  return userId ?? "";
}

export interface EntityRow {
  user_key: string;
  key: string;
  name: string;
  type: string;
  first_seen: string;
  last_seen: string;
  mentions: number | string;
}

export function toEntity(row: EntityRow): Entity {
  return {
    key: row.key,
    name: row.name,
    type: row.type as EntityType,
    userId: row.user_key === "" ? null : row.user_key,
    mentions: Number(row.mentions),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  };
}

export interface RelationRow {
  user_key: string;
  source: string;
  target: string;
  type: string;
  weight: number | string;
  valid_from: string;
  valid_to: string | null;
  provenance: string | GraphSource[];
}

export function toRelation(row: RelationRow): Relation {
  const provenance = typeof row.provenance === "string" ? JSON.parse(row.provenance) : row.provenance;
  return {
    source: row.source,
    target: row.target,
    type: row.type,
    userId: row.user_key === "" ? null : row.user_key,
    weight: Number(row.weight),
    validFrom: row.valid_from,
    validTo: row.valid_to,
    // In one key order on both backends (PostgreSQL's JSONB keeps keys sorted by length, then bytes).
    provenance: (provenance as GraphSource[]).map(({ source, id }) => ({ source, id })),
  };
}

export interface MentionRow {
  user_key: string;
  key: string;
  source: string;
  item_id: string;
  at: string;
}

export function toMention(row: MentionRow): EntityMention {
  return {
    key: row.key,
    userId: row.user_key === "" ? null : row.user_key,
    source: row.source as "memory" | "message",
    id: row.item_id,
    at: row.at,
  };
}

/** The entity columns both backends select (the mention count is kept on the row, not counted per read). */
export const ENTITY_SELECT = "e.user_key, e.key, e.name, e.type, e.mentions, e.first_seen, e.last_seen";

/** The columns a graph's rows are written with, table by table, in the order of their values. */
export const GRAPH_COLUMNS = {
  entities: "graph_entities (agent_id, user_key, key, name, type, mentions, first_seen, last_seen)",
  mentions: "graph_mentions (agent_id, user_key, key, source, item_id, at)",
  relations:
    "graph_relations (agent_id, user_key, source, target, type, weight, valid_from, valid_to, provenance)",
} as const;

/** An entity's row values, in the order of `GRAPH_COLUMNS.entities`. */
export function entityValues(agentId: string, e: Entity): unknown[] {
  return [agentId, userKey(e.userId), e.key, e.name, e.type, e.mentions, e.firstSeen, e.lastSeen];
}

/** A mention's row values, in the order of `GRAPH_COLUMNS.mentions`. */
export function mentionValues(agentId: string, m: EntityMention): unknown[] {
  return [agentId, userKey(m.userId), m.key, m.source, m.id, m.at];
}

/** A relation's row values, in the order of `GRAPH_COLUMNS.relations`; provenance kept to `maxSources`. */
export function relationValues(agentId: string, r: Relation, maxSources: number): unknown[] {
  return [
    agentId,
    userKey(r.userId),
    r.source,
    r.target,
    r.type,
    r.weight,
    r.validFrom,
    r.validTo,
    JSON.stringify(r.provenance.slice(0, maxSources)),
  ];
}

/** A batch's merged relation as row values, in the order of `GRAPH_COLUMNS.relations`. */
export function batchRelationValues(agentId: string, r: BatchRelation): (string | number | null)[] {
  return [
    agentId,
    r.user,
    r.source,
    r.target,
    r.type,
    r.weight,
    r.validFrom,
    r.validTo,
    JSON.stringify(r.provenance),
  ];
}
