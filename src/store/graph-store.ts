import type { AgentGraph, Entity, EntityMention, GraphRecord, Relation } from "../core/graph-types.ts";

/** Which users' graphs a read covers: null is the agent's own (no user). */
export type GraphUsers = readonly (string | null)[];

/** How many sources a relation keeps in its provenance. */
export const MAX_RELATION_PROVENANCE = 50;

/**
 * An agent's entity graph: entities, the relations between them and which memories and messages
 * name them, each per end user. Derived data: it can always be rebuilt from the memories and messages.
 */
/** Where a page of entities ordered by mentions ends: the last one's mentions and key. */
export interface EntityPosition {
  mentions: number;
  key: string;
}

/** A page of entities: in key order after a key, or the most named first after a position. */
export type EntityListing =
  | { after?: string; limit: number }
  | { byMentions: true; after?: EntityPosition; limit: number };

export interface GraphStore {
  /**
   * Records what memories and messages say, in one transaction: their earlier mentions are replaced
   * (a changed memory is recorded again), entities and relations are added or strengthened, a
   * relation's validity widened, and closed when every source recorded for it is closed. An item
   * recorded again first takes back what it gave the relations between the entities it named: its
   * place among their sources and one of their weight, the relation going when no weight is left
   * (a deleted item is recorded empty before its row goes, while its mentions still say what it
   * named). A relation's validity is not narrowed by this: a rebuild recomputes it.
   */
  record(agentId: string, records: readonly GraphRecord[]): Promise<void>;
  /**
   * Entities of one user (null: the agent's own) in key order, after the key `after`; or, with
   * `byMentions`, the most named first (ties in key order), after the entity `after` (its mentions
   * and key).
   */
  listEntities(agentId: string, userId: string | null, options: EntityListing): Promise<Entity[]>;
  /** The entities with these keys among these users' graphs. */
  findEntities(agentId: string, users: GraphUsers, keys: readonly string[]): Promise<Entity[]>;
  /**
   * Relations touching any of these keys, strongest first, at most `limit`; with `provenance: false`
   * their sources are left out (empty), which a search does not need and would pay to parse.
   */
  relations(
    agentId: string,
    users: GraphUsers,
    keys: readonly string[],
    limit: number,
    options?: { provenance?: boolean },
  ): Promise<Relation[]>;
  /**
   * The first step of a search's walk, in one read: the entities with these keys (as `findEntities`)
   * and, touching those named by at most `maxMentions` items, the strongest `limit` relations
   * without their sources (as `relations` with `provenance: false`).
   */
  namedWithRelations(
    agentId: string,
    users: GraphUsers,
    keys: readonly string[],
    options: { maxMentions: number; limit: number },
  ): Promise<{ entities: Entity[]; relations: Relation[] }>;
  /** Memories and messages naming any of these keys, newest first, at most `limit`. */
  mentions(
    agentId: string,
    users: GraphUsers,
    keys: readonly string[],
    limit: number,
  ): Promise<EntityMention[]>;
  /** Replaces the agent's whole graph (a rebuild, an import, consolidation's merges), in one transaction. */
  replace(agentId: string, graph: AgentGraph): Promise<void>;
  /** The agent's whole graph. */
  dump(agentId: string): Promise<AgentGraph>;
}
