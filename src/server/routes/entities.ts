import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ENTITY_TYPES } from "../../core/graph-types.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import {
  agentParams,
  cursorQuery,
  errorResponses,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const userQuery = z
  .string()
  .min(1, "must not be empty")
  .max(256)
  .optional()
  .openapi({ description: "the end user whose graph to read (default: the agent's own, of no user)" });

const EntitySchema = z
  .object({
    key: z.string().openapi({ description: "the normalised name the entity is found by" }),
    name: z.string().openapi({ description: "the name as first written" }),
    type: z.enum(ENTITY_TYPES),
    userId: z.string().nullable(),
    mentions: z.number().int().openapi({ description: "memories and messages naming it" }),
    firstSeen: z.string(),
    lastSeen: z.string(),
  })
  .openapi("Entity");

const GraphSourceSchema = z.object({ source: z.enum(["memory", "message"]), id: z.string() });

const RelationSchema = z
  .object({
    source: z.string(),
    target: z.string(),
    type: z.string().openapi({ description: "co_occurs, mentions, or a model's relation such as lives_in" }),
    userId: z.string().nullable(),
    weight: z.number().int().openapi({ description: "how many memories and messages stated it" }),
    validFrom: z.string(),
    validTo: z.string().nullable().openapi({ description: "null while it holds" }),
    provenance: z
      .array(GraphSourceSchema)
      .openapi({ description: "the first 50 sources it was learned from" }),
  })
  .openapi("Relation");

const EntityDetailSchema = z
  .object({
    entity: EntitySchema,
    relations: z.array(RelationSchema).openapi({ description: "relations touching it, oldest first" }),
    mentions: z
      .array(GraphSourceSchema.extend({ key: z.string(), userId: z.string().nullable(), at: z.string() }))
      .openapi({ description: "the latest memories and messages naming it, newest first" }),
    names: z
      .record(z.string(), z.string())
      .openapi({ description: "the names of the entities at the other end of its relations, by key" }),
  })
  .openapi("EntityDetail");

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/entities",
  operationId: "entities.list",
  tags: ["entities"],
  summary: "The entities of the agent's graph, by name",
  request: {
    params: agentParams,
    query: z.object({
      userId: userQuery,
      order: z
        .enum(["key", "mentions"])
        .optional()
        .openapi({ description: "key (default): by name key; mentions: the most named first, ties by key" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(EntitySchema, "EntityList"), "a page of entities, by key or by mentions"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/entities/{name}",
  operationId: "entities.get",
  tags: ["entities"],
  summary: "One entity by name, with its relations over time and where it is named",
  request: {
    params: agentParams.extend({
      name: z.string().min(1).max(200).openapi({ description: "the entity's name, in any case" }),
    }),
    query: z.object({ userId: userQuery }),
  },
  responses: {
    200: jsonResponse(EntityDetailSchema, "the entity"),
    ...errorResponses(400, 404),
  },
});

export function registerEntityRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { userId, order, cursor, limit } = c.req.valid("query");
    return c.json(await c.var.engram.entities.list(id, { userId, order, cursor, limit }), 200);
  });

  app.openapi(get, async (c) => {
    const { id: agent, name } = c.req.valid("param");
    const id = await agentIdOf(c.var.engram, agent);
    const { userId } = c.req.valid("query");
    return c.json(await c.var.engram.entities.get(id, name, userId === undefined ? {} : { userId }), 200);
  });
}
