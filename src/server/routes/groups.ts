import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { RESPONDERS } from "../../agent/responder-names.ts";
import { GROUP_PATTERNS } from "../../core/group-types.ts";
import { groupInput, groupMessageInput } from "../../groups/group-input.ts";
import type { AppEnv } from "../env.ts";
import { TurnEventSchema, TurnResultSchema } from "../runtime-schemas.ts";
import {
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";
import { sseOf } from "../sse-events.ts";

const GroupSchema = z
  .object({
    id: z.string().openapi({ example: "grp_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    projectId: z.string(),
    name: z.string(),
    pattern: z.enum(GROUP_PATTERNS),
    managerId: z
      .string()
      .nullable()
      .openapi({ description: "the supervisor, or the sleeptime group's background agent" }),
    members: z.array(
      z.object({
        agentId: z.string(),
        responder: z.enum(RESPONDERS).nullable().openapi({ description: "null: the agent's own setting" }),
      }),
    ),
    maxTurns: z.number().int().nullable().openapi({ description: "turns of a round-robin message" }),
    createdAt: z.string(),
  })
  .openapi("Group");

const ReusedTurnSchema = z
  .object({
    step: z.number().int().nullable().openapi({
      description:
        "the step it answered (a round-robin speaker's turn, from 0); null: a worker's answer the supervisor took again",
    }),
    agentId: z.string(),
    turnId: z.string(),
    answer: z
      .string()
      .nullable()
      .openapi({ description: "null: a message the supervisor sent without waiting" }),
  })
  .openapi("ReusedTurn");

const GroupTurnResultSchema = z
  .object({
    groupId: z.string(),
    runId: z.string().openapi({
      example: "grn_01jd8x0k5m2n3p4q5r6s7t8v9w",
      description: "the message's run, which retryOf takes; a retry keeps it",
    }),
    answer: z.string(),
    turns: z.array(TurnResultSchema).openapi({ description: "the turns this request ran" }),
    reused: z
      .array(ReusedTurnSchema)
      .openapi({ description: "turns of earlier attempts a retry took instead of running them again" }),
  })
  .openapi("GroupTurnResult");

const groupParams = z.object({
  groupId: z
    .string()
    .min(1)
    .openapi({ param: { name: "groupId", in: "path" }, description: "group id (grp_…)" }),
});

const create = createRoute({
  method: "post",
  path: "/v1/groups",
  operationId: "groups.create",
  tags: ["groups"],
  summary: "Create a group of a project's agents: supervisor, round-robin or sleeptime",
  description: [
    "`manager` is the supervisor (supervisor) or the background agent (sleeptime); `members` are the",
    "workers, the speakers in order (round-robin, up to `maxTurns` turns), or the primary (sleeptime).",
    "Agents are named by id or name within the project; one of another project is not found (404).",
  ].join(" "),
  request: { body: jsonRequest(groupInput.openapi("GroupInput")) },
  responses: { 201: jsonResponse(GroupSchema, "the group"), ...errorResponses(400, 404, 413, 415) },
});

const list = createRoute({
  method: "get",
  path: "/v1/groups",
  operationId: "groups.list",
  tags: ["groups"],
  summary: "Groups, oldest first: with auth, the caller's project's only",
  request: {
    query: z.object({
      project: z.string().min(1).optional().openapi({ description: "project id or name" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(GroupSchema, "GroupPage"), "a page of groups"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/groups/{groupId}",
  operationId: "groups.get",
  tags: ["groups"],
  summary: "One group",
  request: { params: groupParams },
  responses: { 200: jsonResponse(GroupSchema, "the group"), ...errorResponses(404) },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/groups/{groupId}",
  operationId: "groups.delete",
  tags: ["groups"],
  summary: "Delete a group (its agents and their memory stay)",
  request: { params: groupParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(404) },
});

const send = createRoute({
  method: "post",
  path: "/v1/groups/{groupId}/messages",
  operationId: "groups.send",
  tags: ["groups"],
  summary: "Run a message through the group ({content, userId?, retryOf?, stream?})",
  description: [
    "Blocking, the reply is the group's answer and every turn it ran. With `stream: true` it is a",
    "stream of server-sent events: each turn's events as an agent's stream has them (start, text-delta,",
    "tool-call, …, done), then group-done; or an error event, which ends it. A failed message's error",
    "names its run (`details.runId`): sending the same message with `retryOf` set to it runs only the",
    "steps that failed or did not run, and reuses the turns that answered (listed in `reused`).",
    "One attempt of a run runs at a time, across servers: a retry waits for another attempt of its",
    "run still running, then reuses what it answered; 409 (`details.reason: run_busy`) when that",
    "attempt has not ended within the turn time-out's default (120 s), and nothing is written.",
  ].join(" "),
  request: {
    params: groupParams,
    body: jsonRequest(
      groupMessageInput
        .extend({
          retryOf: groupMessageInput.shape.retryOf.openapi({
            description:
              "the runId of an earlier, failed send of this message: rerun only what did not answer",
          }),
          stream: z.boolean().optional().openapi({ description: "answer with server-sent events" }),
        })
        .openapi("GroupMessageRequest"),
    ),
  },
  responses: {
    200: {
      description: "with stream: true, the group's turns as server-sent events",
      content: { "text/event-stream": { schema: TurnEventSchema } },
    },
    201: jsonResponse(GroupTurnResultSchema, "the group's answer and its turns"),
    ...errorResponses(400, 404, 409, 413, 415, 503),
  },
});

/** `/v1/groups`. */
export function registerGroupRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(create, async (c) => c.json(await c.var.engram.groups.create(c.req.valid("json")), 201));
  app.openapi(list, async (c) => c.json(await c.var.engram.groups.list(c.req.valid("query")), 200));
  app.openapi(get, async (c) => c.json(await c.var.engram.groups.get(c.req.valid("param").groupId), 200));
  app.openapi(remove, async (c) => {
    await c.var.engram.groups.delete(c.req.valid("param").groupId);
    return c.body(null, 204);
  });
  app.openapi(send, async (c) => {
    const { groupId } = c.req.valid("param");
    const { stream, ...input } = c.req.valid("json");
    const options = { abortSignal: c.req.raw.signal };
    if (stream === true) return sseOf(c, await c.var.engram.groups.stream(groupId, input, options));
    return c.json(await c.var.engram.groups.send(groupId, input, options), 201);
  });
}
