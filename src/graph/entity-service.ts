import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { AgentGraph, Entity, EntityMention, Relation } from "../core/graph-types.ts";
import type { Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { type EngineContext, requireAgent } from "../memory/context.ts";
import { memoryUserId } from "../memory/memories/schemas.ts";
import { dropUndefined, PAGE_DEFAULT, pageOf, pageSchema } from "../memory/pagination.ts";
import type { EntityPosition } from "../store/graph-store.ts";
import { entityKey } from "./entity-key.ts";
import { rebuildGraph } from "./graph-rebuild.ts";

export const entityListInput = pageSchema.extend({
  /** The end user whose graph to list; without it, the agent's own (learned from no user's items). */
  userId: memoryUserId.optional(),
  /** `key` (the default): by name key; `mentions`: the most named first, ties by key. */
  order: z.enum(["key", "mentions"]).optional(),
});
export type EntityListInput = z.input<typeof entityListInput>;

const entityGetInput = z.strictObject({
  name: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  userId: memoryUserId.optional(),
});

/** An entity with its relations over time and the latest memories and messages that name it. */
export interface EntityDetail {
  entity: Entity;
  /** Relations touching it, oldest first (by `validFrom`), at most 200; closed ones keep their `validTo`. */
  relations: Relation[];
  /** The latest memories and messages naming it (at most 50), newest first. */
  mentions: EntityMention[];
  /**
   * The names of the entities at the other end of its relations, by key (`berlin` → `Berlin`), so
   * that a relation can be shown as its entities are written. A key the graph no longer holds as an
   * entity (a relation a model stated about something it did not name) is left out.
   */
  names: Record<string, string>;
}

/**
 * An agent's entity graph (`engram.entities`): recorded as memories and messages are written, listed
 * and read by name, rebuilt from the memories and messages on demand (sleep-time consolidation).
 *
 * @example
 * const { items } = await engram.entities.list(agent.id);
 * const { entity, relations } = await engram.entities.get(agent.id, "Ada Lovelace");
 */
export class EntityService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  /**
   * Entities of the agent (or of one of its users), paged: in name-key order, or with `order:
   * "mentions"` the most named first. @throws InvalidInputError for a cursor of the other order.
   */
  async list(agentId: string, options: EntityListInput = {}): Promise<Page<Entity>> {
    const input = parseInput(entityListInput, dropUndefined(options), "entity list");
    const after = input.order === "mentions" ? mentionsCursor(input.cursor) : undefined;
    const agent = await requireAgent(this.#ctx, agentId);
    const limit = input.limit ?? PAGE_DEFAULT;
    const user = input.userId ?? null;
    if (input.order === "mentions") {
      const rows = await this.#ctx.store.graph.listEntities(agent.id, user, {
        byMentions: true,
        ...(after === undefined ? {} : { after }),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (e) => `${e.mentions}:${e.key}`);
    }
    const rows = await this.#ctx.store.graph.listEntities(agent.id, user, {
      ...(input.cursor === undefined ? {} : { after: input.cursor }),
      limit: limit + 1,
    });
    return pageOf(rows, limit, (e) => e.key);
  }

  /**
   * One entity by name (any spelling that normalises to its key: "Ada's", "ADA"), with its relations
   * over time. @throws NotFoundError naming the entity when the graph has none by that name.
   */
  async get(agentId: string, name: string, options: { userId?: string } = {}): Promise<EntityDetail> {
    const input = parseInput(entityGetInput, { name, ...dropUndefined(options) }, "entity");
    const agent = await requireAgent(this.#ctx, agentId);
    const users = [input.userId ?? null];
    const key = entityKey(input.name);
    const [entity] = key === "" ? [] : await this.#ctx.store.graph.findEntities(agent.id, users, [key]);
    if (entity === undefined) {
      throw new NotFoundError(
        input.userId === undefined
          ? `entity "${input.name}" not found in agent ${agent.id}'s own graph (an end user's entities are in that user's graph: userId)`
          : `entity "${input.name}" not found in agent ${agent.id}'s graph for user ${input.userId}`,
      );
    }
    const relations = (await this.#ctx.store.graph.relations(agent.id, users, [key], 200)).sort(
      (a, b) =>
        a.validFrom.localeCompare(b.validFrom) ||
        a.source.localeCompare(b.source) ||
        a.target.localeCompare(b.target),
    );
    const mentions = await this.#ctx.store.graph.mentions(agent.id, users, [key], 50);
    const others = [...new Set(relations.map((r) => (r.source === key ? r.target : r.source)))];
    const named = await this.#ctx.store.graph.findEntities(agent.id, users, others);
    const names = Object.fromEntries(named.map((e) => [e.key, e.name]));
    return { entity, relations, mentions, names };
  }

  /**
   * Rebuilds the agent's graph from its memories (not archived) and messages, merging duplicate
   * entities ("Ada" into "Ada Lovelace") and closing relations whose every source has closed, as
   * sleep-time consolidation does. Returns the graph stored.
   */
  async rebuild(agentId: string): Promise<AgentGraph> {
    const agent = await requireAgent(this.#ctx, agentId);
    return rebuildGraph(this.#ctx.store, agent.id);
  }

  /** The agent's whole graph (as exported). */
  async dump(agentId: string): Promise<AgentGraph> {
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#ctx.store.graph.dump(agent.id);
  }
}

/** The position a page by mentions ended at, from its cursor (`MENTIONS:KEY`). */
function mentionsCursor(cursor: string | undefined): EntityPosition | undefined {
  if (cursor === undefined) return undefined;
  const match = /^(\d{1,15}):(.+)$/s.exec(cursor);
  if (match === null)
    throw new InvalidInputError(
      "invalid entity list: cursor: not a cursor of a listing by mentions (give the nextCursor of one)",
    );
  return { mentions: Number(match[1]), key: match[2] ?? "" };
}
