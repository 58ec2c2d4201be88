import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { filterInput } from "../../core/filter/filter-parse.ts";
import { searchInput } from "../../retrieval/search-schema.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { agentParams, errorResponses, jsonRequest, jsonResponse, SearchResponseSchema } from "../schemas.ts";

/** The body as sent: the filter stays as written, for the search itself to check and parse. */
const searchBody = searchInput.extend({
  filter: filterInput.optional().openapi({
    description: 'a metadata filter, e.g. {"metadata.topic": "billing"} (see docs/filters.md)',
  }),
});

const messageSearch = searchBody.pick({
  query: true,
  roles: true,
  after: true,
  before: true,
  userId: true,
  k: true,
  filter: true,
});

const responses = {
  200: jsonResponse(SearchResponseSchema, "results, best first, each with its score components"),
  ...errorResponses(400, 404, 413, 415),
};

const search = createRoute({
  method: "post",
  path: "/v1/agents/{id}/search",
  operationId: "search.all",
  tags: ["search"],
  summary: "Hybrid search of an agent's memories and/or messages (sources, default memories)",
  request: { params: agentParams, body: jsonRequest(searchBody) },
  responses,
});

const searchMemories = createRoute({
  method: "post",
  path: "/v1/agents/{id}/memories/search",
  operationId: "memories.search",
  tags: ["search", "memories"],
  summary: "Hybrid search of an agent's memories",
  request: { params: agentParams, body: jsonRequest(searchBody) },
  responses,
});

const searchMessages = createRoute({
  method: "post",
  path: "/v1/agents/{id}/messages/search",
  operationId: "messages.search",
  tags: ["search", "messages"],
  summary: "Hybrid search of an agent's conversation log",
  request: { params: agentParams, body: jsonRequest(messageSearch) },
  responses,
});

/** `/v1/agents/{id}/search`, `/memories/search` and `/messages/search`. */
export function registerSearchRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(search, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.search(id, c.req.valid("json")), 200);
  });

  app.openapi(searchMemories, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { sources = ["memories"], ...input } = c.req.valid("json");
    return c.json(await c.var.engram.search(id, { ...input, sources }), 200);
  });

  app.openapi(searchMessages, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.search(id, { ...c.req.valid("json"), sources: ["messages"] }), 200);
  });
}
