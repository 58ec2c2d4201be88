import type { PendingToolCall } from "../../agent/client-tools.ts";
import type { TurnResult, TurnUsage } from "../../agent/turn-events.ts";

/** Turns and their events in the shapes of OpenAI's Chat Completions API. */

export function completionId(turnId: string): string {
  return `chatcmpl-${turnId}`;
}

export function openAiUsage(usage: TurnUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
  };
}

export function openAiToolCall(call: PendingToolCall) {
  return {
    id: call.toolCallId,
    type: "function" as const,
    function: { name: call.toolName, arguments: JSON.stringify(call.input ?? {}) },
  };
}

/** A finished turn as a `chat.completion`. */
export function chatCompletion(result: TurnResult, model: string, created: number) {
  const calls = result.pendingToolCalls ?? [];
  return {
    id: completionId(result.turnId),
    object: "chat.completion" as const,
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant" as const,
          content: result.answer === "" && calls.length > 0 ? null : result.answer,
          refusal: null,
          ...(calls.length > 0 ? { tool_calls: calls.map(openAiToolCall) } : {}),
        },
        finish_reason: calls.length > 0 ? ("tool_calls" as const) : ("stop" as const),
        logprobs: null,
      },
    ],
    usage: openAiUsage(result.usage),
  };
}
