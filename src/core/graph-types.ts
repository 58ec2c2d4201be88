/** What kind of thing an entity is (a guess without a model; the model's answer with one). */
export const ENTITY_TYPES = ["person", "place", "organisation", "thing", "date"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Where a mention or a relation was learned: a memory or a message of the agent. */
export interface GraphSource {
  source: "memory" | "message";
  id: string;
}

/**
 * Someone or something an agent's memories and messages name. Entities are kept per agent and per
 * end user (`userId`, null for the agent's own knowledge): a graph learned from one user's messages is
 * never used for another's.
 */
export interface Entity {
  /** The normalised name the entity is found by: lower-case words, e.g. `ada lovelace`. */
  key: string;
  /** The name as first written, e.g. `Ada Lovelace`. */
  name: string;
  type: EntityType;
  userId: string | null;
  /** How many memories and messages name it. */
  mentions: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * A link between two entities (by key), with the time it held from and, once closed, until, and the
 * memories and messages it was learned from (the first 50).
 */
export interface Relation {
  source: string;
  target: string;
  /** `co_occurs` (named together), `mentions` (a speaker named it), or a model's relation, e.g. `lives_in`. */
  type: string;
  userId: string | null;
  /** How many memories and messages stated it. */
  weight: number;
  validFrom: string;
  validTo: string | null;
  provenance: GraphSource[];
}

/**
 * The relations the deterministic extractor makes, whose times are their sources' own; every other
 * type is a model's reading, with the times the model gave.
 */
export const RULE_RELATIONS: ReadonlySet<string> = new Set(["co_occurs", "mentions"]);

/** One memory or message naming an entity. */
export interface EntityMention extends GraphSource {
  key: string;
  userId: string | null;
  /** The time of the memory or message. */
  at: string;
}

/** What one memory or message says about entities, as an extractor found it. */
export interface GraphFacts {
  /**
   * `typed`: the type is a model's reading of the text, not a guess from the words around the name;
   * it replaces the type the entity was stored with.
   */
  entities: { key: string; name: string; type: EntityType; typed?: boolean }[];
  relations: GraphFactRelation[];
}

/** A relation one memory or message states. */
export interface GraphFactRelation {
  source: string;
  target: string;
  type: string;
  /** When it began, when the text says (a model's extraction); else the record's `at`. */
  validFrom?: string | undefined;
  /**
   * When the text says it ended (a model's extraction): it closes the relation then, whatever other
   * sources say. Absent: it ends with the record (`closedAt`).
   */
  validTo?: string | undefined;
}

/** One memory's or message's facts, to record in the graph. */
export interface GraphRecord extends GraphSource, GraphFacts {
  userId: string | null;
  /** When what it says became true (a memory's `validFrom`, else its creation; a message's time). */
  at: string;
  /** When it stopped being true (a closed memory's `validTo`), else null. */
  closedAt: string | null;
}

/** An agent's whole graph, as exported and imported. */
export interface AgentGraph {
  entities: Entity[];
  relations: Relation[];
  mentions: EntityMention[];
}

/**
 * The name an entity of an entity's relations is written as, from its key: the entity's own, one of
 * `names` (an entity detail's, by key), else the key itself (a relation a model stated about
 * something the graph has no entity for).
 */
export function nameInDetail(
  detail: { entity: Pick<Entity, "key" | "name">; names: Readonly<Record<string, string>> },
  key: string,
): string {
  return key === detail.entity.key ? detail.entity.name : (detail.names[key] ?? key);
}
