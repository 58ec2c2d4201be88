import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { agentParams, errorResponses, jsonRequest, jsonResponse } from "../schemas.ts";

const reindexBody = z
  .strictObject({
    limit: z.number().int().min(1).max(100_000).optional().openapi({
      description:
        "embed at most this many items in this request (default 2,000), so it ends within the request time-out; `complete: false` in the answer means call again",
    }),
    train: z.boolean().optional().openapi({
      description: "bring the agent's vector index up to date afterwards (SQLite: retrain its lists)",
    }),
  })
  .openapi("ReindexRequest");

const counts = z.object({ memories: z.number().int(), messages: z.number().int() });
const indexReport = z.object({
  method: z.string().openapi({
    description:
      "how a search reads the vectors: `exact` (every one compared) or the backend's index (`ivf`, `hnsw`)",
  }),
  summary: z.string().openapi({ description: "one line for people, in the backend's terms" }),
  details: z
    .record(z.string(), z.unknown())
    .openapi({ description: "the backend's own figures (e.g. SQLite's IVF lists and their sizes)" }),
});

const ReindexSchema = z
  .object({
    model: z.string().openapi({ description: "the embedding model used" }),
    rebuilt: z.boolean(),
    complete: z
      .boolean()
      .openapi({ description: "false when the limit stopped it with items left to embed" }),
    embedded: counts,
    agents: z.array(
      z.object({
        agentId: z.string(),
        embedded: counts,
        index: z.object({ memories: indexReport, messages: indexReport }),
      }),
    ),
  })
  .openapi("ReindexResult");

const reindex = createRoute({
  method: "post",
  path: "/v1/agents/{id}/reindex",
  operationId: "vectors.reindex",
  tags: ["memories"],
  summary:
    "Embed the agent's memories and messages that have no vector (after an embedding outage or an import)",
  description:
    "Re-embedding everything for another model is database-wide and runs from the command line: `engram memory reindex --rebuild`, with the server stopped.",
  request: { params: agentParams, body: jsonRequest(reindexBody, false) },
  responses: {
    200: jsonResponse(ReindexSchema, "what was embedded, and how the agent's vectors are indexed now"),
    ...errorResponses(400, 404, 413, 415, 503),
  },
});

/** Requests embed this many items by default: a few hundred embedding calls at most. */
const DEFAULT_LIMIT = 2000;

/** `POST /v1/agents/{id}/reindex`. */
export function registerVectorRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(reindex, async (c) => {
    const agentId = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const body = c.req.valid("json") ?? {};
    const result = await c.var.engram.vectors.reindex({
      agentId,
      train: body.train,
      limit: body.limit ?? DEFAULT_LIMIT,
    });
    return c.json(result, 200);
  });
}
