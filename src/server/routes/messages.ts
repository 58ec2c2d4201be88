import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { MESSAGE_ROLES } from "../../core/types.ts";
import { isoTime } from "../../memory/memories/schemas.ts";
import { MAX_MESSAGE_BATCH, messageInput } from "../../memory/messages/message-service.ts";
import type { AppEnv } from "../env.ts";
import { hasKey, shapeHook } from "../errors.ts";
import { agentIdOf } from "../lookup.ts";
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

const messageBatch = z.strictObject({
  messages: z
    .array(messageInput)
    .min(1, "must not be empty")
    .max(MAX_MESSAGE_BATCH, `must be at most ${MAX_MESSAGE_BATCH} messages`),
});

/**
 * A body with neither `role` nor `messages`. `POST /messages` will also run the agent on a body of
 * `{content, stream?}`; until it does, such a body is refused with this, and nothing else.
 */
const roleRequired = z.looseObject({
  role: z
    .unknown()
    .refine(() => false, "required (append a message with a role; running the agent is not available yet)"),
});

const append = createRoute({
  method: "post",
  path: "/v1/agents/{id}/messages",
  tags: ["messages"],
  summary: "Append a message (a body with a role), or a batch as {messages: [...]}, in order",
  request: { params: agentParams, body: jsonRequest(z.union([messageInput, messageBatch])) },
  responses: {
    201: jsonResponse(
      z.union([MessageSchema, z.object({ messages: z.array(MessageSchema) }).openapi("MessageBatch")]),
      "the new message, or a batch as {messages}",
    ),
    ...errorResponses(400, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/messages",
  tags: ["messages"],
  summary: "An agent's conversation log, oldest first unless order=desc",
  request: {
    params: agentParams,
    query: z.object({
      userId: z.string().min(1).max(256).optional().openapi({ description: "only this end user's messages" }),
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
      return c.json(await c.var.engram.messages.append(id, body), 201);
    },
    shapeHook((body) =>
      hasKey(body, "messages")
        ? messageBatch
        : hasKey(body, "role") || typeof body !== "object" || body === null || Array.isArray(body)
          ? messageInput
          : roleRequired,
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
