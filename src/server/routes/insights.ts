import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { insightOperation } from "../../insights/insight-service.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { pageList } from "../paginate.ts";
import {
  agentParams,
  cursorQuery,
  errorResponses,
  InsightExtractionSchema,
  InsightResultSchema,
  InsightSchema,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

/** Most operations one request may apply. */
const MAX_OPERATIONS = 100;

const applyBody = z.strictObject({
  operations: z
    .array(insightOperation)
    .min(1, "must not be empty")
    .max(MAX_OPERATIONS, `must be at most ${MAX_OPERATIONS} operations`),
  strict: z.boolean().optional().openapi({
    description:
      "true (default): an operation naming an unknown rule is a 404 and nothing is applied; false: it is skipped",
  }),
});

const extractBody = z.strictObject({
  task: z.string().min(1, "must not be empty").max(5000).optional().openapi({
    description: "only episodes of this task",
  }),
  model: z.string().min(1, "must not be empty").max(200).optional().openapi({
    description: "provider:model, e.g. openai:gpt-4o-mini (default: the agent's model, else ENGRAM_MODEL)",
  }),
  maxPairs: z.number().int().min(1).max(20).optional().openapi({
    description: "most success/failure pairs compared (default 3)",
  }),
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/insights",
  operationId: "insights.list",
  tags: ["insights"],
  summary: "The agent's rules distilled from experience, strongest first",
  request: { params: agentParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(InsightSchema, "InsightList"), "a page of rules, strongest first"),
    ...errorResponses(400, 404),
  },
});

const apply = createRoute({
  method: "post",
  path: "/v1/agents/{id}/insights",
  operationId: "insights.apply",
  tags: ["insights"],
  summary: "Apply rule operations (add, edit, agree, remove) in order, all in one transaction",
  request: { params: agentParams, body: jsonRequest(applyBody) },
  responses: {
    200: jsonResponse(InsightResultSchema, "the rules after, with what was applied and skipped"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const extract = createRoute({
  method: "post",
  path: "/v1/agents/{id}/insights/extract",
  operationId: "insights.extract",
  tags: ["insights"],
  summary:
    "Have a language model compare successful and failed episodes of a task and update the rules (ExpeL)",
  request: { params: agentParams, body: jsonRequest(extractBody, false) },
  responses: {
    200: jsonResponse(InsightExtractionSchema, "the rules after, with the operations the model proposed"),
    ...errorResponses(400, 404, 413, 415, 503),
  },
});

/** `/v1/agents/{id}/insights` and `/insights/extract`. */
export function registerInsightRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const insights = await c.var.engram.insights.list(id);
    return c.json(
      pageList("insights", insights, c.req.valid("query"), (i) => [-i.count, i.createdAt, i.id]),
      200,
    );
  });

  app.openapi(apply, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { operations, strict } = c.req.valid("json");
    return c.json(await c.var.engram.insights.apply(id, operations, { strict }), 200);
  });

  app.openapi(extract, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { task, model, maxPairs } = c.req.valid("json") ?? {};
    return c.json(await c.var.engram.insights.extract(id, { task, model, maxPairs }), 200);
  });
}
