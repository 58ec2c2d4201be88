import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { filterText } from "../../core/filter/filter-parse.ts";
import { MAX_SESSION_ID } from "../../core/input-limits.ts";
import { MESSAGE_ROLES } from "../../core/types.ts";
import type { Engram } from "../../engram.ts";
import { isoTime } from "../../memory/memories/schemas.ts";
import { MAX_MESSAGE_BATCH, messageInput } from "../../memory/messages/message-service.ts";
import type { AppEnv } from "../env.ts";
import { hasKey, shapeHook } from "../errors.ts";
import { agentIdOf } from "../lookup.ts";
import { runRequest, TurnEventSchema, TurnResultSchema } from "../runtime-schemas.ts";
import {
  agentParams,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  listQuery,
  MessageSchema,
  pageSchema,
} from "../schemas.ts";
import { sseOf } from "../sse-events.ts";

const messageBatch = z.strictObject({
  messages: z
    .array(messageInput)
    .min(1, "must not be empty")
    .max(MAX_MESSAGE_BATCH, `must be at most ${MAX_MESSAGE_BATCH} messages`),
});

const append = createRoute({
  method: "post",
  path: "/v1/agents/{id}/messages",
  operationId: "runtime.send",
  tags: ["messages"],
  summary:
    "Run the agent on a message ({content, userId?, stream?}), or append a message (a body with a role) or a batch ({messages: [...]}) without running it",
  description: [
    "A body without `role` runs the agent: the model answers with the agent's memory in context and may",
    "edit it with tools. Blocking, the reply is the turn (every new message, the answer, usage, memory",
    "edits). With `stream: true` it is a stream of server-sent events named by their `type`: start,",
    "summary, text-delta, tool-call, tool-result, memory-edit, step-finish, message, then done or error.",
    "A turn that fails after it started keeps the user's message and records the error (503, or an",
    "error event); bad input, an unknown agent or no configured model change nothing.",
  ].join(" "),
  request: { params: agentParams, body: jsonRequest(z.union([messageInput, messageBatch, runRequest])) },
  responses: {
    200: {
      description: "with stream: true, the turn as server-sent events",
      content: { "text/event-stream": { schema: TurnEventSchema } },
    },
    201: jsonResponse(
      z.union([
        MessageSchema,
        z.object({ messages: z.array(MessageSchema) }).openapi("MessageBatch"),
        TurnResultSchema,
      ]),
      "the new message, a batch as {messages}, or the turn the agent ran",
    ),
    ...errorResponses(400, 404, 413, 415, 503),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/messages",
  operationId: "messages.list",
  tags: ["messages"],
  summary: "An agent's conversation log, oldest first unless order=desc",
  request: {
    params: agentParams,
    query: z.object({
      userId: z.string().min(1).max(256).optional().openapi({ description: "only this end user's messages" }),
      sessionId: z
        .string()
        .min(1)
        .max(MAX_SESSION_ID)
        .optional()
        .openapi({ description: "only this conversation session's messages" }),
      filter: filterText.optional().openapi({
        description: 'a metadata filter as JSON, e.g. {"metadata.channel":"email"} (see docs/filters.md)',
      }),
      role: listQuery(z.enum(MESSAGE_ROLES), {
        max: MESSAGE_ROLES.length,
        split: true,
        description: `only these roles (${MESSAGE_ROLES.join(", ")}): repeat the parameter or separate with commas`,
      }),
      after: isoTime.optional().openapi({ description: "created at or after this time" }),
      before: isoTime.optional().openapi({ description: "created before this time" }),
      order: z
        .enum(["asc", "desc"], { error: "must be asc or desc" })
        .optional()
        .openapi({ description: "asc: oldest first (default); desc: newest first" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(MessageSchema, "MessagePage"), "a page of messages"),
    ...errorResponses(400, 404),
  },
});

/** `/v1/agents/{id}/messages`. */
export function registerMessageRoutes(app: OpenAPIHono<AppEnv>): void {
  // The route named as a type argument: the hook alone must not decide the handler's input type.
  app.openapi<typeof append>(
    append,
    async (c) => {
      const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
      const body = c.req.valid("json");
      if ("messages" in body) {
        return c.json({ messages: await c.var.engram.messages.appendMany(id, body.messages) }, 201);
      }
      if ("role" in body) return c.json(await c.var.engram.messages.append(id, body), 201);
      const { stream, ...input } = body;
      if (stream === true) return streamTurn(c, c.var.engram, id, input);
      return c.json(await c.var.engram.runtime.send(id, input, { abortSignal: c.req.raw.signal }), 201);
    },
    shapeHook((body) =>
      hasKey(body, "messages")
        ? messageBatch
        : hasKey(body, "role") || typeof body !== "object" || body === null || Array.isArray(body)
          ? messageInput
          : runRequest,
    ),
  );

  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { role, order, ...query } = c.req.valid("query");
    return c.json(
      await c.var.engram.messages.list(id, { ...query, roles: role, newestFirst: order === "desc" }),
      200,
    );
  });
}

/**
 * A turn as server-sent events. Everything that can be refused (bad input, unknown agent, no model)
 * is refused before the stream starts, with an ordinary error response; once it has started, a
 * failure is an `error` event. A client that goes away cancels the turn.
 */
async function streamTurn(
  c: Context,
  engram: Engram,
  agentId: string,
  input: Parameters<Engram["runtime"]["send"]>[1],
): Promise<Response> {
  // The server aborts the request's signal when the client goes away: that cancels the turn.
  const events = await engram.runtime.stream(agentId, input, { abortSignal: c.req.raw.signal });
  return sseOf(c, events);
}
