import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { END_USERS, RESPONDERS } from "../../agent/runtime-config.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { CompiledContextSchema } from "../runtime-schemas.ts";
import { agentParams, errorResponses, jsonResponse } from "../schemas.ts";

const context = createRoute({
  method: "get",
  path: "/v1/agents/{id}/context",
  operationId: "runtime.context",
  tags: ["agents"],
  summary:
    "The context the agent's model would get: each section with its token count, the prompt and messages",
  request: {
    params: agentParams,
    query: z.object({
      query: z
        .string()
        .max(100_000)
        .optional()
        .openapi({ description: "the message to compile for; default: the latest user message" }),
      userId: z.string().min(1).max(256).optional().openapi({ description: "the end user's conversation" }),
      responder: z
        .enum(RESPONDERS, { error: `must be one of ${RESPONDERS.join(", ")}` })
        .optional()
        .openapi({ description: "simple or reactive (default: the agent's)" }),
      contextWindow: z.coerce
        .number({ error: "must be a number" })
        .int("must be an integer")
        .min(1024, "must be at least 1024")
        .max(10_000_000, "must be at most 10,000,000")
        .optional()
        .openapi({ description: "tokens (default: the model's)" }),
      endUsers: z
        .enum(END_USERS, { error: `must be one of ${END_USERS.join(", ")}` })
        .optional()
        .openapi({ description: "auto, one or many (default: the agent's)" }),
    }),
  },
  responses: {
    200: jsonResponse(CompiledContextSchema, "the compiled context"),
    ...errorResponses(400, 404),
  },
});

/** `GET /v1/agents/{id}/context`. */
export function registerContextRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(context, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.runtime.context(id, c.req.valid("query")), 200);
  });
}
