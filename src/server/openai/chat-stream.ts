import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { TurnStream } from "../../agent/agent-runtime.ts";
import { completionId, openAiToolCall, openAiUsage } from "./chat-completion.ts";
import { openAiError } from "./errors.ts";

/**
 * A streamed turn as OpenAI's server-sent `chat.completion.chunk`s: the role first, then the text as
 * it comes, the client tool calls, a last chunk with the finish reason, with `include_usage` one
 * more with the usage and no choices, and `data: [DONE]`. A failure after the start is one
 * `data: {"error": …}` (which OpenAI's clients raise), with no `[DONE]`.
 */
export function streamChat(
  c: Context,
  events: TurnStream,
  options: { model: string; created: number; includeUsage: boolean; clientTools: ReadonlySet<string> },
): Response {
  const base = {
    id: completionId(events.turnId),
    object: "chat.completion.chunk" as const,
    created: options.created,
    model: options.model,
  };
  const chunk = (delta: object, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  return streamSSE(c, async (sse) => {
    sse.onAbort(() => events.cancel());
    const send = (data: unknown) => sse.writeSSE({ data: JSON.stringify(data) });
    await send(chunk({ role: "assistant", content: "" }));
    let calls = 0;
    for await (const event of events) {
      if (sse.aborted) break;
      if (event.type === "text-delta") await send(chunk({ content: event.text }));
      else if (event.type === "tool-call" && options.clientTools.has(event.toolName) && !event.invalid)
        await send(chunk({ tool_calls: [{ index: calls++, ...openAiToolCall(event) }] }));
      else if (event.type === "error") {
        await send(openAiError(event.error.code === "internal" ? 500 : 503, event.error));
        return;
      } else if (event.type === "done") {
        await send(chunk({}, (event.pendingToolCalls ?? []).length > 0 ? "tool_calls" : "stop"));
        if (options.includeUsage) await send({ ...base, choices: [], usage: openAiUsage(event.usage) });
      }
    }
    if (!sse.aborted) await sse.writeSSE({ data: "[DONE]" });
  });
}
