import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Agent } from "../../core/types.ts";
import type { AppEnv } from "../env.ts";
import { chatCompletion } from "../openai/chat-completion.ts";
import { agentOfModel, chatTurnOf, inRequestTerms } from "../openai/chat-request.ts";
import {
  ChatCompletionChunkSchema,
  ChatCompletionSchema,
  chatRequest,
  ModelListSchema,
  ModelSchema,
} from "../openai/chat-schemas.ts";
import { streamChat } from "../openai/chat-stream.ts";
import { errorResponses, jsonRequest, jsonResponse } from "../schemas.ts";

const chat = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  operationId: "openai.chatCompletions",
  tags: ["openai"],
  summary: "OpenAI-compatible chat: run the agent named by `model` on the newest user message",
  description: [
    "OpenAI's Chat Completions API with an agent as the model (docs/openai-compatible.md). The stored",
    "conversation is authoritative: only the newest user message (or, after tool calls, the tool",
    "results that end the request) is new; system messages are ignored. Tools in `tools` are offered",
    "to the model and returned as `tool_calls` for the client to run. Errors are in OpenAI's shape:",
    '`{"error":{"message","type","param","code"}}`.',
  ].join(" "),
  request: { body: jsonRequest(chatRequest) },
  responses: {
    200: {
      description: "the completion, or with stream: true its chunks as server-sent events ending in [DONE]",
      content: {
        "application/json": { schema: ChatCompletionSchema },
        "text/event-stream": { schema: ChatCompletionChunkSchema },
      },
    },
    ...errorResponses(400, 404, 413, 415, 503),
  },
});

const models = createRoute({
  method: "get",
  path: "/v1/models",
  operationId: "openai.listModels",
  tags: ["openai"],
  summary: "OpenAI-compatible model list: the project's agents, as `agent:NAME`",
  responses: { 200: jsonResponse(ModelListSchema, "every agent the key can see") },
});

const model = createRoute({
  method: "get",
  path: "/v1/models/{model}",
  operationId: "openai.retrieveModel",
  tags: ["openai"],
  summary: "OpenAI-compatible model: one agent, named as in `model` (`agent:NAME`, its id or bare name)",
  request: { params: z.object({ model: z.string().min(1, "must not be empty") }) },
  responses: {
    200: jsonResponse(ModelSchema, "the agent as a model"),
    ...errorResponses(404),
  },
});

/** An agent as OpenAI's API lists a model. */
function modelOf(agent: Agent) {
  return {
    id: `agent:${agent.name}`,
    object: "model" as const,
    created: Math.floor(Date.parse(agent.createdAt) / 1000),
    owned_by: agent.projectId,
  };
}

/** `POST /v1/chat/completions`, `GET /v1/models` and `GET /v1/models/{model}`: OpenAI's API with agents as models. */
export function registerOpenAiRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(chat, async (c) => {
    const body = c.req.valid("json");
    const turn = chatTurnOf(body);
    const agent = await agentOfModel(c.var.engram, body.model);
    const input = { content: turn.content, name: turn.name, userId: body.user };
    const options = {
      abortSignal: c.req.raw.signal,
      clientTools: turn.clientTools,
      toolResults: turn.toolResults,
    };
    // When the engine says it is: an engine opened with a clock of its own dates its answers by it.
    const created = Math.floor(c.var.engram.now() / 1000);
    const refused = (error: unknown) => {
      throw inRequestTerms(body, turn, error);
    };
    if (body.stream === true) {
      const events = await c.var.engram.runtime.stream(agent.id, input, options).catch(refused);
      return streamChat(c, events, {
        model: body.model,
        created,
        includeUsage: body.stream_options?.include_usage === true,
        clientTools: new Set(Object.keys(turn.clientTools ?? {})),
      });
    }
    const result = await c.var.engram.runtime.send(agent.id, input, options).catch(refused);
    return c.json(chatCompletion(result, body.model, created), 200);
  });

  app.openapi(models, async (c) => {
    const agents: Agent[] = [];
    for (let cursor: string | undefined, more = true; more; ) {
      const page = await c.var.engram.agents.list({ cursor, limit: 500 });
      agents.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      more = page.nextCursor !== null;
    }
    return c.json({ object: "list" as const, data: agents.map(modelOf) }, 200);
  });

  app.openapi(model, async (c) => {
    const agent = await agentOfModel(c.var.engram, c.req.valid("param").model);
    return c.json(modelOf(agent), 200);
  });
}
