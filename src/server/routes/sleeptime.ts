import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { JOB_STATUSES } from "../../core/types.ts";
import { JOB_KINDS } from "../../sleeptime/options.ts";
import { sleepInput } from "../../sleeptime/sleeptime-service.ts";
import type { AppEnv } from "../env.ts";
import { JobSchema, SleepRunSchema } from "../job-schemas.ts";
import { agentIdOf } from "../lookup.ts";
import {
  agentParams,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const sleepBody = sleepInput.extend({
  wait: z.boolean().optional().openapi({
    description:
      "true (default): run the jobs now and answer with their results; false: queue them for the server's runner and answer 202",
  }),
});

const jobParams = agentParams.extend({
  jid: z
    .string()
    .min(1)
    .openapi({ param: { name: "jid", in: "path" }, description: "job id (job_…)" }),
});

const sleep = createRoute({
  method: "post",
  path: "/v1/agents/{id}/sleep",
  operationId: "sleeptime.run",
  tags: ["sleep-time"],
  summary: "Run (or queue) sleep-time jobs: consolidate, reflect, rethink, forget",
  request: { params: agentParams, body: jsonRequest(sleepBody, false) },
  responses: {
    200: jsonResponse(SleepRunSchema, "the jobs as they ended (a failed job says why), and those skipped"),
    202: jsonResponse(SleepRunSchema, "the jobs as queued"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/jobs",
  operationId: "sleeptime.list",
  tags: ["sleep-time"],
  summary: "The agent's background jobs, newest first",
  request: {
    params: agentParams,
    query: z.object({
      status: z.enum(JOB_STATUSES).optional().openapi({ description: "only jobs in this state" }),
      kind: z.enum(JOB_KINDS).optional().openapi({ description: "only jobs of this kind" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(JobSchema, "JobPage"), "a page of jobs"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/jobs/{jid}",
  operationId: "sleeptime.get",
  tags: ["sleep-time"],
  summary: "One job: its state, its error, and what it changed",
  request: { params: jobParams },
  responses: { 200: jsonResponse(JobSchema, "the job"), ...errorResponses(400, 404) },
});

/** `/v1/agents/{id}/sleep` and `/v1/agents/{id}/jobs[/{jid}]`. */
export function registerSleeptimeRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(sleep, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { wait, ...input } = c.req.valid("json") ?? {};
    if (wait === false) return c.json(await c.var.engram.sleeptime.enqueue(id, input), 202);
    return c.json(await c.var.engram.sleeptime.run(id, input), 200);
  });

  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.sleeptime.list(id, c.req.valid("query")), 200);
  });

  app.openapi(get, async (c) => {
    const { id, jid } = c.req.valid("param");
    return c.json(await c.var.engram.sleeptime.get(await agentIdOf(c.var.engram, id), jid), 200);
  });
}
