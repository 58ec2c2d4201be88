import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createAgentInput, forkAgentInput, updateAgentInput } from "../../memory/agents/agent-service.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf, fromQueryOrBody } from "../lookup.ts";
import {
  AgentSchema,
  agentParams,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const list = createRoute({
  method: "get",
  path: "/v1/agents",
  operationId: "agents.list",
  tags: ["agents"],
  summary: "List agents",
  request: {
    query: z.object({
      project: z.string().min(1).optional().openapi({ description: "project id or name" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(AgentSchema, "AgentPage"), "a page of agents"),
    ...errorResponses(400, 404),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/agents",
  operationId: "agents.create",
  tags: ["agents"],
  summary: "Create an agent; its blocks become the first commit of main",
  request: {
    query: z.object({
      project: z
        .string()
        .min(1)
        .optional()
        .openapi({ description: "project id or name to create it in (or `project` in the body)" }),
    }),
    body: jsonRequest(createAgentInput),
  },
  responses: {
    201: jsonResponse(AgentSchema, "the new agent"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}",
  operationId: "agents.get",
  tags: ["agents"],
  summary: "Get an agent",
  request: { params: agentParams },
  responses: { 200: jsonResponse(AgentSchema, "the agent"), ...errorResponses(400, 404) },
});

const update = createRoute({
  method: "patch",
  path: "/v1/agents/{id}",
  operationId: "agents.update",
  tags: ["agents"],
  summary: "Change an agent's name, model, instructions or metadata",
  request: { params: agentParams, body: jsonRequest(updateAgentInput) },
  responses: {
    200: jsonResponse(AgentSchema, "the updated agent"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/agents/{id}",
  operationId: "agents.delete",
  tags: ["agents"],
  summary: "Delete an agent with its whole block history",
  request: { params: agentParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(400, 404) },
});

const fork = createRoute({
  method: "post",
  path: "/v1/agents/{id}/fork",
  operationId: "agents.fork",
  tags: ["agents"],
  summary: "Fork an agent: a new agent sharing its history up to a revision",
  request: { params: agentParams, body: jsonRequest(forkAgentInput, false) },
  responses: {
    201: jsonResponse(AgentSchema, "the new agent"),
    ...errorResponses(400, 404, 413, 415),
  },
});

/** `/v1/agents`, `/v1/agents/{id}` and `/v1/agents/{id}/fork`. */
export function registerAgentRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => c.json(await c.var.engram.agents.list(c.req.valid("query")), 200));
  app.openapi(create, async (c) => {
    const input = c.req.valid("json");
    const project = fromQueryOrBody("project", c.req.valid("query").project, input.project);
    return c.json(await c.var.engram.agents.create({ ...input, project }), 201);
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      id.startsWith("agt_") ? await c.var.engram.agents.get(id) : await c.var.engram.agents.find(id),
      200,
    );
  });
  app.openapi(update, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.agents.update(id, c.req.valid("json")), 200);
  });
  app.openapi(remove, async (c) => {
    await c.var.engram.agents.delete(await agentIdOf(c.var.engram, c.req.valid("param").id));
    return c.body(null, 204);
  });
  app.openapi(fork, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.agents.fork(id, c.req.valid("json")), 201);
  });
}
