import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { feedbackInput } from "../../feedback/feedback-schemas.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { agentParams, EpisodeSchema, errorResponses, jsonRequest, jsonResponse } from "../schemas.ts";

const turnParams = agentParams.extend({
  turnId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "turnId", in: "path" }, description: "the turn's id (trn_…), from its reply" }),
});

const FeedbackSchema = z
  .object({
    agentId: z.string(),
    turnId: z.string(),
    reward: z.number(),
    comment: z.string().nullable(),
    action: z.string().openapi({
      description: "what the agent did in the turn: `answer`, or the tools it called (`tool:memory_append`)",
    }),
    episode: EpisodeSchema,
  })
  .openapi("Feedback");

const give = createRoute({
  method: "post",
  path: "/v1/agents/{id}/turns/{turnId}/feedback",
  operationId: "feedback.give",
  tags: ["experience"],
  summary:
    "Give feedback on a turn ({reward from -1 to 1, comment?}): the turn becomes an episode step the experience memory learns from",
  description: [
    "The observation is the user's message, the action `answer` or the tools the agent called, the",
    "available actions `answer` and the agent's tools. Later turns on similar messages carry the advice",
    "learned (encouraged and discouraged actions). Feedback is given once per turn: a second is 409.",
  ].join(" "),
  request: { params: turnParams, body: jsonRequest(feedbackInput) },
  responses: {
    201: jsonResponse(FeedbackSchema, "the feedback and the episode it became"),
    ...errorResponses(400, 404, 409, 413, 415),
  },
});

/** `/v1/agents/{id}/turns/{turnId}/feedback`. */
export function registerFeedbackRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(give, async (c) => {
    const { id, turnId } = c.req.valid("param");
    const agentId = await agentIdOf(c.var.engram, id);
    return c.json(await c.var.engram.feedback.give(agentId, turnId, c.req.valid("json")), 201);
  });
}
