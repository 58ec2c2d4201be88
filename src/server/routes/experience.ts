import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { filterText } from "../../core/filter/filter-parse.ts";
import {
  adviceInput,
  episodeInput,
  finishEpisodeInput,
  startEpisodeInput,
  stepInput,
} from "../../experience/schemas.ts";
import type { AppEnv } from "../env.ts";
import { hasKey, shapeHook } from "../errors.ts";
import { agentIdOf } from "../lookup.ts";
import { pageList } from "../paginate.ts";
import {
  AdviceSchema,
  agentParams,
  cursorQuery,
  EpisodeSchema,
  EpisodeSummarySchema,
  ExperienceRecordSchema,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
  RecordedStepSchema,
} from "../schemas.ts";

const episodeParams = agentParams.extend({
  eid: z
    .string()
    .min(1)
    .openapi({ param: { name: "eid", in: "path" }, description: "episode id (epi_…)" }),
});

const record = createRoute({
  method: "post",
  path: "/v1/agents/{id}/episodes",
  operationId: "experience.recordEpisode",
  tags: ["experience"],
  summary:
    "Record a whole episode ({task, steps, …}) and learn from it, or start one step by step ({task} without steps)",
  request: { params: agentParams, body: jsonRequest(z.union([episodeInput, startEpisodeInput])) },
  responses: {
    201: jsonResponse(EpisodeSchema, "the episode: finished when recorded whole, running when started"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/episodes",
  operationId: "experience.listEpisodes",
  tags: ["experience"],
  summary: "An agent's episodes, newest first, without their steps",
  request: {
    params: agentParams,
    query: z.object({
      task: z.string().min(1).max(5000).optional().openapi({ description: "only episodes of this task" }),
      filter: filterText.optional().openapi({
        description: 'a metadata filter as JSON, e.g. {"metadata.level":"hard"} (see docs/filters.md)',
      }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(EpisodeSummarySchema, "EpisodePage"), "a page of episodes"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/episodes/{eid}",
  operationId: "experience.getEpisode",
  tags: ["experience"],
  summary: "One episode with its steps",
  request: { params: episodeParams },
  responses: { 200: jsonResponse(EpisodeSchema, "the episode"), ...errorResponses(400, 404) },
});

const step = createRoute({
  method: "post",
  path: "/v1/agents/{id}/episodes/{eid}/steps",
  operationId: "experience.recordStep",
  tags: ["experience"],
  summary: "Append a step to a running episode; the experience memory learns from it",
  request: { params: episodeParams, body: jsonRequest(stepInput) },
  responses: {
    201: jsonResponse(RecordedStepSchema, "the step as stored, with the episode's step count and return"),
    ...errorResponses(400, 404, 409, 413, 415),
  },
});

const finish = createRoute({
  method: "post",
  path: "/v1/agents/{id}/episodes/{eid}/finish",
  operationId: "experience.finishEpisode",
  tags: ["experience"],
  summary: "Finish a running episode; its last steps get their returns",
  request: { params: episodeParams, body: jsonRequest(finishEpisodeInput, false) },
  responses: {
    200: jsonResponse(EpisodeSchema, "the finished episode"),
    ...errorResponses(400, 404, 409, 413, 415),
  },
});

const records = createRoute({
  method: "get",
  path: "/v1/agents/{id}/experience",
  operationId: "experience.records",
  tags: ["experience"],
  summary: "The agent's experience memory: a record per (task, observation) with per-action Q",
  request: { params: agentParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(
      pageSchema(ExperienceRecordSchema, "ExperienceRecords"),
      "a page of records, oldest first",
    ),
    ...errorResponses(400, 404),
  },
});

const advice = createRoute({
  method: "post",
  path: "/v1/agents/{id}/advice",
  operationId: "experience.advise",
  tags: ["experience"],
  summary: "Encouraged and discouraged actions from the k records most like (task, observation)",
  request: { params: agentParams, body: jsonRequest(adviceInput) },
  responses: {
    200: jsonResponse(AdviceSchema, "the advice, as items and as Rememberer's text"),
    ...errorResponses(400, 404, 413, 415),
  },
});

/** `/v1/agents/{id}/episodes…`, `/experience` and `/advice`. */
export function registerExperienceRoutes(app: OpenAPIHono<AppEnv>): void {
  // The route named as a type argument: the hook alone must not decide the handler's input type.
  app.openapi<typeof record>(
    record,
    async (c) => {
      const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
      const body = c.req.valid("json");
      const episode =
        "steps" in body
          ? await c.var.engram.experience.recordEpisode(id, body)
          : await c.var.engram.experience.startEpisode(id, body);
      return c.json(episode, 201);
    },
    shapeHook((body) => (hasKey(body, "steps") ? episodeInput : startEpisodeInput)),
  );

  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.experience.listEpisodes(id, c.req.valid("query")), 200);
  });

  app.openapi(get, async (c) => {
    const { id, eid } = c.req.valid("param");
    return c.json(await c.var.engram.experience.getEpisode(await agentIdOf(c.var.engram, id), eid), 200);
  });

  app.openapi(step, async (c) => {
    const { id, eid } = c.req.valid("param");
    const recorded = await c.var.engram.experience.recordStep(
      await agentIdOf(c.var.engram, id),
      eid,
      c.req.valid("json"),
    );
    return c.json(recorded, 201);
  });

  app.openapi(finish, async (c) => {
    const { id, eid } = c.req.valid("param");
    const episode = await c.var.engram.experience.finishEpisode(
      await agentIdOf(c.var.engram, id),
      eid,
      c.req.valid("json") ?? {},
    );
    return c.json(episode, 200);
  });

  app.openapi(records, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const records = await c.var.engram.experience.records(id);
    return c.json(
      pageList("experience", records, c.req.valid("query"), (r) => [r.createdAt, r.id]),
      200,
    );
  });

  app.openapi(advice, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.experience.advise(id, c.req.valid("json")), 200);
  });
}
