import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ACTORS } from "../../core/types.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import {
  agentParams,
  cursorQuery,
  EventSchema,
  errorResponses,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const kindQuery = z.string().min(1).optional().openapi({
  description:
    "only events of this kind (memory.created), of a family (memory.*) or any (*); another is a 400",
});
const actorQuery = z
  .enum(ACTORS, { error: `must be one of ${ACTORS.join(", ")}` })
  .optional()
  .openapi({ description: "only events caused by this actor" });
const orderQuery = z
  .enum(["asc", "desc"], { error: "must be asc or desc" })
  .optional()
  .openapi({ description: "asc: the first written first (default); desc: the latest first" });
const EventPageSchema = pageSchema(EventSchema, "EventPage");

const agentEvents = createRoute({
  method: "get",
  path: "/v1/agents/{id}/events",
  operationId: "events.listByAgent",
  tags: ["events"],
  summary: "An agent's events, oldest first unless order=desc",
  request: {
    params: agentParams,
    query: z.object({
      kind: kindQuery,
      actor: actorQuery,
      order: orderQuery,
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: { 200: jsonResponse(EventPageSchema, "a page of events"), ...errorResponses(400, 404) },
});

const allEvents = createRoute({
  method: "get",
  path: "/v1/events",
  operationId: "events.list",
  tags: ["events"],
  summary: "Events of every agent and project visible to the caller, oldest first unless order=desc",
  request: {
    query: z.object({
      project: z.string().min(1).optional().openapi({ description: "project id or name" }),
      agent: z.string().min(1).optional().openapi({ description: "agent id or name" }),
      kind: kindQuery,
      actor: actorQuery,
      order: orderQuery,
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: { 200: jsonResponse(EventPageSchema, "a page of events"), ...errorResponses(400, 404) },
});

/** `/v1/agents/{id}/events` and `/v1/events`. */
export function registerEventRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(agentEvents, async (c) => {
    const agentId = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { order, ...query } = c.req.valid("query");
    return c.json(await c.var.engram.events.list({ ...query, agentId, newestFirst: order === "desc" }), 200);
  });

  app.openapi(allEvents, async (c) => {
    const { agent, order, ...query } = c.req.valid("query");
    const agentId = agent === undefined ? undefined : await agentIdOf(c.var.engram, agent);
    return c.json(await c.var.engram.events.list({ ...query, agentId, newestFirst: order === "desc" }), 200);
  });
}
