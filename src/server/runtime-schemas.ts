import { z } from "@hono/zod-openapi";
import { turnInput } from "../agent/turn-input.ts";
import { MessageSchema } from "./schemas.ts";

/** Schemas of the agent runtime's HTTP API: running a turn and inspecting the compiled context. */

/** `POST /messages` without a role: run the agent on a message. */
export const runRequest = turnInput
  .extend({
    stream: z
      .boolean()
      .optional()
      .openapi({ description: "answer with server-sent events as the turn happens (default false)" }),
  })
  .openapi("RunAgentRequest");

const UsageSchema = z
  .object({ inputTokens: z.number().int(), outputTokens: z.number().int(), totalTokens: z.number().int() })
  .openapi("Usage");

export const MemoryEditSchema = z
  .object({
    tool: z.string(),
    toolCallId: z.string(),
    target: z.enum(["block", "memory"]),
    label: z.string().optional(),
    commitId: z.string().optional().openapi({ description: "the block commit, authored agent" }),
    memoryId: z.string().optional(),
  })
  .openapi("MemoryEdit");

export const TurnResultSchema = z
  .object({
    turnId: z.string(),
    agentId: z.string(),
    answer: z.string(),
    messages: z.array(MessageSchema).openapi({
      description: "every message the turn appended: the user's, tool calls, tool results, the answer",
    }),
    usage: UsageSchema,
    edits: z.array(MemoryEditSchema),
    steps: z.number().int().openapi({ description: "model calls made" }),
    summaryMessageId: z.string().nullable(),
  })
  .openapi("TurnResult");

const tokens = z.number().int();

export const CompiledContextSchema = z
  .object({
    agentId: z.string(),
    model: z.string().nullable(),
    responder: z.string(),
    query: z.string().nullable(),
    userId: z.string().nullable(),
    budget: z.object({
      contextWindow: tokens,
      reserveOutputTokens: tokens,
      available: tokens,
      used: tokens,
    }),
    sections: z.object({
      instructions: z.object({ tokens }),
      guidance: z.object({ tokens }),
      blocks: z.object({
        tokens,
        items: z.array(
          z.object({
            label: z.string(),
            description: z.string(),
            limit: z.number().int(),
            size: z.number().int(),
            readOnly: z.boolean(),
          }),
        ),
      }),
      tools: z.object({ tokens, names: z.array(z.string()) }),
      insights: z.object({
        tokens,
        items: z.array(z.object({ id: z.string(), text: z.string(), count: z.number() })),
        omitted: z.number().int(),
      }),
      summary: z.object({ tokens, messageId: z.string(), covered: z.number().int() }).nullable(),
      memories: z.object({
        tokens,
        items: z.array(z.object({ id: z.string(), kind: z.string(), text: z.string(), score: z.number() })),
        omitted: z.number().int(),
      }),
      messages: z.object({
        tokens,
        count: z.number().int(),
        budget: tokens,
        overflow: z.number().int(),
        overflowExact: z.boolean(),
      }),
      pending: z.object({ tokens }).nullable(),
      advice: z.object({
        tokens,
        items: z.array(
          z.object({
            recordId: z.string(),
            similarity: z.number(),
            visits: z.number().int(),
            encouraged: z.array(z.object({ action: z.string(), q: z.number() })),
            discouraged: z.array(z.object({ action: z.string(), q: z.number() })),
          }),
        ),
      }),
    }),
    system: z.string().openapi({ description: "the system prompt as the model receives it" }),
    messages: z.array(z.record(z.string(), z.unknown())).openapi({
      description: "the conversation as the model receives it (AI SDK model messages)",
    }),
    retrieved: z.string().openapi({
      description:
        "the retrieved memories as they go at the start of the new message (in `messages` when there is one; empty when none were retrieved)",
    }),
    advice: z.string().openapi({
      description:
        "advice learned from feedback on similar earlier messages, as it goes at the start of the new message after the retrieved memories (empty when there is none)",
    }),
  })
  .openapi("CompiledContext");

/** One server-sent event's `data` (its `event` field is the same `type`). */
export const TurnEventSchema = z.object({ type: z.string() }).passthrough().openapi("TurnEvent");
