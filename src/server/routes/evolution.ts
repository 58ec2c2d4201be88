import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { EvolutionRun } from "../../core/evolution-types.ts";
import { RUN_STATUSES } from "../../core/evolution-types.ts";
import type { Engram } from "../../engram.ts";
import { distillOptions } from "../../evolution/distill.ts";
import { evolveSettingsObject } from "../../evolution/run-config.ts";
import type { AppEnv } from "../env.ts";
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

const modelField = z.string().min(1, "must not be empty").max(200).optional().openapi({
  description: "provider:model (default: the agent's model, else the server's)",
});
const waitField = z.boolean().optional().openapi({
  description: "true: answer when the run ends, with its report (200); false (default): answer at once (202)",
});

const evolveBody = evolveSettingsObject.extend({
  tasks: z
    .union([z.array(z.record(z.string(), z.unknown())).min(1, "must not be empty"), z.string().min(1)])
    .openapi({
      description:
        "task objects, or JSON Lines text: {input, expected} | {input, checker, …} | {environment, seed}",
    }),
  model: modelField,
  wait: waitField,
});

const resumeBody = z.strictObject({ model: modelField, wait: waitField });

export const EvolutionRunSchema = z
  .object({
    id: z.string().openapi({ example: "evo_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    agentId: z.string(),
    branch: z.string(),
    seed: z.number().int(),
    status: z.enum(RUN_STATUSES),
    attempt: z.number().int().openapi({ description: "1, plus one per resume" }),
    round: z.number().int().openapi({ description: "rounds completed" }),
    rounds: z.number().int().openapi({ description: "rounds asked for" }),
    error: z.string().nullable(),
    startedAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("EvolutionRun");

const ReportSchema = z
  .object({
    run: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()),
    splits: z.record(z.string(), z.array(z.string())),
    baseline: z.record(z.string(), z.unknown()).nullable(),
    final: z.record(z.string(), z.unknown()).nullable(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    candidates: z.array(z.record(z.string(), z.unknown())).openapi({
      description:
        "every candidate: round, operation, component, parents, scores, decision, reason, commit, diff",
    }),
  })
  .openapi("EvolutionReport", {
    description: "scores per round, and every candidate with its decision and diff",
  });

const RunWithReportSchema = z
  .object({ run: EvolutionRunSchema, report: ReportSchema })
  .openapi("EvolutionRunReport");

const runParams = agentParams.extend({
  runId: z
    .string()
    .min(1)
    .openapi({ param: { name: "runId", in: "path" }, description: "evolution run id (evo_…)" }),
});

const evolve = createRoute({
  method: "post",
  path: "/v1/agents/{id}/evolve",
  operationId: "evolution.evolve",
  tags: ["evolution"],
  summary: "Start an evolution run over a task set; accepted candidates become commits authored evolver",
  description:
    "Runs in the background by default: the answer (202) carries the run, to be followed at `Location`. With `wait: true` the answer comes when the run ends (200, with its report). Settings, tasks and the model are checked before anything is recorded.",
  request: { params: agentParams, body: jsonRequest(evolveBody) },
  responses: {
    200: jsonResponse(RunWithReportSchema, "the finished run and its report (wait: true)"),
    202: jsonResponse(EvolutionRunSchema, "the run, started"),
    ...errorResponses(400, 404, 409, 413, 415, 503),
  },
});

const resume = createRoute({
  method: "post",
  path: "/v1/agents/{id}/evolution-runs/{runId}/resume",
  operationId: "evolution.resume",
  tags: ["evolution"],
  summary: "Continue a run that crashed or failed, from where its records stop",
  request: { params: runParams, body: jsonRequest(resumeBody, false) },
  responses: {
    200: jsonResponse(RunWithReportSchema, "the finished run and its report (wait: true)"),
    202: jsonResponse(EvolutionRunSchema, "the run, resumed"),
    ...errorResponses(400, 404, 409, 413, 415, 503),
  },
});

const RollbackSchema = z
  .object({
    changed: z
      .boolean()
      .openapi({ description: "false: the run accepted nothing, or it was rolled back already" }),
    commitId: z.string().nullable().openapi({ description: "the block commit that restored the blocks" }),
    candidates: z
      .array(z.string())
      .openapi({ description: "the accepted candidates whose changes were undone" }),
  })
  .openapi("EvolutionRollback");

const rollback = createRoute({
  method: "post",
  path: "/v1/agents/{id}/evolution-runs/{runId}/rollback",
  operationId: "evolution.rollback",
  tags: ["evolution"],
  summary: "Put the agent's learned context back as the run found it (blocks, instructions, insight rules)",
  request: { params: runParams },
  responses: {
    200: jsonResponse(RollbackSchema, "what was undone"),
    ...errorResponses(404, 409),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/evolution-runs",
  operationId: "evolution.list",
  tags: ["evolution"],
  summary: "The agent's evolution runs, newest first",
  request: { params: agentParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(EvolutionRunSchema, "EvolutionRunPage"), "a page of runs"),
    ...errorResponses(400, 404),
  },
});

const show = createRoute({
  method: "get",
  path: "/v1/agents/{id}/evolution-runs/{runId}",
  operationId: "evolution.get",
  tags: ["evolution"],
  summary: "A run and its report (format=markdown: the report as Markdown)",
  request: {
    params: runParams,
    query: z.object({
      format: z.enum(["json", "markdown"], { error: "must be json or markdown" }).optional(),
    }),
  },
  responses: {
    200: {
      description: "the run and its report",
      content: {
        "application/json": { schema: RunWithReportSchema },
        "text/markdown": { schema: z.string() },
      },
    },
    ...errorResponses(400, 404),
  },
});

const DistillSchema = z
  .object({
    format: z.enum(["sft", "dpo"]),
    count: z.number().int(),
    sources: z.object({
      episodes: z.number().int(),
      messages: z.number().int(),
      evolution: z.number().int(),
    }),
    system: z.string().openapi({ description: "the learned context every example starts with" }),
    jsonl: z
      .string()
      .openapi({ description: "the examples, one JSON object per line (OpenAI fine-tuning format)" }),
  })
  .openapi("Distillation");

const distill = createRoute({
  method: "post",
  path: "/v1/agents/{id}/distill",
  operationId: "evolution.distill",
  tags: ["evolution"],
  summary: "Export what the agent learned as fine-tuning data: SFT chat or DPO preference JSONL",
  request: { params: agentParams, body: jsonRequest(distillOptions) },
  responses: { 200: jsonResponse(DistillSchema, "the examples"), ...errorResponses(400, 404, 413, 415) },
});

function runJson(run: EvolutionRun): z.infer<typeof EvolutionRunSchema> {
  return {
    id: run.id,
    agentId: run.agentId,
    branch: run.branch,
    seed: run.seed,
    status: run.status,
    attempt: run.attempt,
    round: run.round,
    rounds: Number((run.config as { rounds?: number }).rounds ?? 0),
    error: run.error,
    startedAt: run.startedAt,
    updatedAt: run.updatedAt,
    finishedAt: run.finishedAt,
  };
}

/**
 * A started run, as a request asked for it: with `wait`, the run and its report once it has ended;
 * else null, and the run goes on alone (its outcome, finished, failed or stopped, is recorded on it).
 */
async function settle(
  engram: Engram,
  agentId: string,
  started: { run: EvolutionRun; done: Promise<unknown> },
  wait: boolean | undefined,
) {
  if (wait !== true) {
    started.done.catch(() => {});
    return null;
  }
  await started.done;
  return {
    run: runJson(await engram.evolution.get(agentId, started.run.id)),
    report: await engram.evolution.report(agentId, started.run.id),
  };
}

/** `/v1/agents/{id}/evolve`, `/evolution-runs[/{runId}[/resume|/rollback]]` and `/distill`. */
export function registerEvolutionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(evolve, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { wait, ...options } = c.req.valid("json");
    const started = await c.var.engram.evolution.start(id, options);
    const finished = await settle(c.var.engram, id, started, wait);
    if (finished !== null) return c.json(finished, 200);
    c.header("Location", `/v1/agents/${id}/evolution-runs/${started.run.id}`);
    return c.json(runJson(started.run), 202);
  });

  app.openapi(resume, async (c) => {
    const { id: ref, runId } = c.req.valid("param");
    const id = await agentIdOf(c.var.engram, ref);
    const { model, wait } = c.req.valid("json") ?? {};
    const started = await c.var.engram.evolution.startResume(id, runId, { model });
    const finished = await settle(c.var.engram, id, started, wait);
    if (finished !== null) return c.json(finished, 200);
    c.header("Location", `/v1/agents/${id}/evolution-runs/${started.run.id}`);
    return c.json(runJson(started.run), 202);
  });

  app.openapi(rollback, async (c) => {
    const { id: ref, runId } = c.req.valid("param");
    const id = await agentIdOf(c.var.engram, ref);
    return c.json(await c.var.engram.evolution.rollback(id, runId), 200);
  });

  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const page = await c.var.engram.evolution.list(id, c.req.valid("query"));
    return c.json({ items: page.items.map(runJson), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(show, async (c) => {
    const { id: ref, runId } = c.req.valid("param");
    const id = await agentIdOf(c.var.engram, ref);
    const run = await c.var.engram.evolution.get(id, runId);
    const report = await c.var.engram.evolution.report(id, run.id);
    if (c.req.valid("query").format === "markdown") {
      // Loaded here, not at start-up: the report's module reaches the evaluation code and the models.
      const { reportMarkdown } = await import("../../evolution/report.ts");
      return c.body(reportMarkdown(report), 200, { "content-type": "text/markdown; charset=utf-8" });
    }
    return c.json({ run: runJson(run), report }, 200);
  });

  app.openapi(distill, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.evolution.distill(id, c.req.valid("json")), 200);
  });
}
