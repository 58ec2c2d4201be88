import type { ErrorCode } from "../core/errors.ts";
import type { Message } from "../core/types.ts";
import type { PendingToolCall } from "./client-tools.ts";

/** Tokens a turn (or one model call of it) used, as the provider reported them. */
export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** A change a tool made to the agent's memory: a block commit, or a new long-term memory. */
export interface MemoryEdit {
  tool: string;
  toolCallId: string;
  /** `block`: a commit authored `agent`; `memory`: a long-term memory written by the agent. */
  target: "block" | "memory";
  label?: string;
  commitId?: string;
  memoryId?: string;
}

/** What a turn produced, once its messages are persisted. */
export interface TurnResult {
  turnId: string;
  agentId: string;
  /** The final answer (empty only if the model said nothing after its last tool round). */
  answer: string;
  /** Every message the turn appended, in order: the user's, tool calls and results, the answer. */
  messages: Message[];
  usage: TurnUsage;
  edits: MemoryEdit[];
  /** Model calls made (a summary of older messages, when one was written, not included). */
  steps: number;
  /** Set when older messages were summarised out of the context during this turn. */
  summaryMessageId: string | null;
  /** Present when the turn ended on calls of the caller's own tools (`TurnOptions.clientTools`). */
  pendingToolCalls?: PendingToolCall[];
}

/**
 * What a streamed turn reports as it happens. Server-sent events carry the same objects, named by
 * `type`. A stream ends with exactly one `done` (after the persisted `message`s) or `error`.
 */
export type TurnEvent =
  | { type: "start"; turnId: string; agentId: string; model: string; responder: string }
  | { type: "summary"; messageId: string; covered: number }
  | { type: "text-delta"; step: number; text: string }
  | {
      type: "tool-call";
      step: number;
      toolCallId: string;
      toolName: string;
      input: unknown;
      invalid: boolean;
    }
  | {
      type: "tool-result";
      step: number;
      toolCallId: string;
      toolName: string;
      output: unknown;
      isError: boolean;
    }
  | ({ type: "memory-edit" } & MemoryEdit)
  | { type: "step-finish"; step: number; finishReason: string; usage: TurnUsage }
  | { type: "message"; message: Message }
  | {
      type: "error";
      turnId: string;
      error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
      /** The user's message and the error record, both persisted. Empty if nothing could be written. */
      messageIds: string[];
    }
  | {
      type: "done";
      turnId: string;
      answer: string;
      messageIds: string[];
      usage: TurnUsage;
      edits: MemoryEdit[];
      /** Present when the turn ended on calls of the caller's own tools. */
      pendingToolCalls?: PendingToolCall[];
    };

export const ZERO_USAGE: TurnUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

export function addUsage(a: TurnUsage, b: TurnUsage): TurnUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** The AI SDK's usage (fields may be missing) as plain counts. */
export function usageOf(usage: {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  totalTokens?: number | undefined;
}): TurnUsage {
  const inputTokens = usage.inputTokens ?? 0;
  const outputTokens = usage.outputTokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: usage.totalTokens ?? inputTokens + outputTokens };
}
