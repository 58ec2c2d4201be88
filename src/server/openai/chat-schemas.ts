import { z } from "@hono/zod-openapi";

/** Schemas of OpenAI's Chat Completions API, as much of it as engram takes and answers. */

/** Text, or content parts of which only text parts are taken. */
const content = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
]);

const toolCall = z.looseObject({
  id: z.string().min(1, "must not be empty"),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string().min(1, "must not be empty"), arguments: z.string() }),
});

const name = z.string().min(1, "must not be empty").max(200).optional();

export const chatMessage = z.discriminatedUnion(
  "role",
  [
    z.looseObject({ role: z.enum(["system", "developer"]), content, name }),
    z.looseObject({ role: z.literal("user"), content, name }),
    z.looseObject({
      role: z.literal("assistant"),
      content: content.nullable().optional(),
      tool_calls: z.array(toolCall).optional(),
      name,
    }),
    z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string().min(1, "must not be empty") }),
  ],
  { error: "role must be one of system, developer, user, assistant, tool" },
);
export type ChatMessage = z.output<typeof chatMessage>;

const functionTool = z.looseObject({
  type: z.literal("function", { error: "only function tools are supported" }),
  function: z.looseObject({
    name: z
      .string()
      .regex(
        /^[A-Za-z][A-Za-z0-9_-]{0,63}$/,
        "must be 1-64 letters, digits, '_' or '-', starting with a letter",
      ),
    description: z.string().max(10_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * A chat completion request. Fields engram does not use (temperature, max_tokens …) are accepted and
 * ignored: the agent's own settings decide them.
 */
export const chatRequest = z
  .looseObject({
    model: z.string().min(1, "must not be empty").openapi({
      description: "the agent: `agent:NAME`, its id (`agt_…`) or its bare name",
      example: "agent:helper",
    }),
    messages: z.array(chatMessage).min(1, "must not be empty").max(10_000),
    user: z
      .string()
      .min(1, "must not be empty")
      .max(256)
      .optional()
      .openapi({ description: "the end user: the conversation and memories are this user's" }),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    tools: z.array(functionTool).max(128).optional(),
    n: z.literal(1, { error: "only 1 choice is supported" }).nullable().optional(),
  })
  .openapi("ChatCompletionRequest");
export type ChatRequest = z.output<typeof chatRequest>;

const usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const ChatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal("assistant"),
          content: z.string().nullable(),
          refusal: z.null(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal("function"),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .optional(),
        }),
        finish_reason: z.enum(["stop", "tool_calls"]),
        logprobs: z.null(),
      }),
    ),
    usage,
  })
  .openapi("ChatCompletion");

export const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
  })
  .openapi("Model");

export const ModelListSchema = z
  .object({ object: z.literal("list"), data: z.array(ModelSchema) })
  .openapi("ModelList");

/** One server-sent `chat.completion.chunk`. */
export const ChatCompletionChunkSchema = z
  .object({ object: z.literal("chat.completion.chunk") })
  .passthrough()
  .openapi("ChatCompletionChunk");
