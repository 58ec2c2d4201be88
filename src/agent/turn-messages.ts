import type { ModelMessage } from "ai";
import { findInputProblem, MAX_JSON_DEPTH, wellFormedPrefix } from "../core/input-limits.ts";
import type { Message } from "../core/types.ts";
import { imageNotes } from "../images/image-record.ts";
import { MAX_MESSAGE_CHARS, type MessageInput } from "../memory/messages/message-service.ts";
import type { TurnUsage } from "./turn-events.ts";

/** One model call of a turn: what it said, the tools it called and what they returned. */
export interface StepRecord {
  text: string;
  toolCalls: { toolCallId: string; toolName: string; input: unknown; invalid: boolean }[];
  toolResults: { toolCallId: string; toolName: string; output: unknown; isError: boolean }[];
  usage: TurnUsage;
  finishReason: string;
  finishedAt: string;
}

interface StoredToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** The final answer of a turn: the text of its last step, if that step called no tool. */
export function answerOf(steps: readonly StepRecord[]): string {
  const last = steps.at(-1);
  return last === undefined || last.toolCalls.length > 0 ? "" : last.text.trim();
}

/**
 * A turn's steps as messages to append after the user's: per step that called tools, an assistant
 * message (its text, or a rendering of the calls when it said nothing) and one tool message per
 * result; then the answer. Each assistant message carries its model call's usage.
 */
export function stepMessages(
  steps: readonly StepRecord[],
  base: { turnId: string; userId: string | undefined; sessionId: string | undefined; model: string },
): MessageInput[] {
  const out: MessageInput[] = [];
  const common = { userId: base.userId, sessionId: base.sessionId };
  steps.forEach((step, index) => {
    const stepMeta = {
      turnId: base.turnId,
      step: index,
      model: base.model,
      usage: step.usage,
      finishReason: step.finishReason,
    };
    if (step.toolCalls.length === 0) {
      if (step.text.trim() === "") return;
      out.push({
        ...common,
        role: "assistant",
        content: clip(step.text),
        createdAt: step.finishedAt,
        metadata: stepMeta,
      });
      return;
    }
    const hasText = step.text.trim() !== "";
    out.push({
      ...common,
      role: "assistant",
      content: clip(hasText ? step.text : renderCalls(step.toolCalls)),
      createdAt: step.finishedAt,
      metadata: {
        ...stepMeta,
        toolCalls: step.toolCalls.map((c) => ({
          toolCallId: c.toolCallId,
          toolName: wellFormedPrefix(c.toolName),
          input: storableInput(c.input),
          ...(c.invalid ? { invalid: true } : {}),
        })),
        ...(hasText ? {} : { callsOnly: true }),
      },
    });
    // Results in the order of the calls (the SDK reports invalid calls' errors first).
    const order = new Map(step.toolCalls.map((c, i) => [c.toolCallId, i]));
    const results = [...step.toolResults].sort(
      (a, b) => (order.get(a.toolCallId) ?? 0) - (order.get(b.toolCallId) ?? 0),
    );
    for (const result of results) {
      out.push({
        ...common,
        role: "tool",
        name: wellFormedPrefix(result.toolName, 200),
        content: clip(outputText(result.output) || "(empty result)"),
        createdAt: step.finishedAt,
        metadata: {
          turnId: base.turnId,
          step: index,
          toolCallId: result.toolCallId,
          toolName: wellFormedPrefix(result.toolName),
          isError: result.isError,
        },
      });
    }
  });
  return out;
}

/** A tool's output as the text stored and shown to the model. */
export function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (output instanceof Error) return output.message;
  try {
    return JSON.stringify(output) ?? "";
  } catch {
    return String(output);
  }
}

/**
 * A tool call's input as a message's metadata can hold it (under `metadata.toolCalls.N.input`, three
 * levels down): as the model wrote it; when it nests too deep, a note saying so; when its JSON is
 * longer than a message may be, a note and its start (it would be sent again with every later
 * prompt); when it holds a lone surrogate, its JSON text (where the half is an escape). A model's
 * odd call never fails the turn that records it.
 */
function storableInput(input: unknown): unknown {
  const problem = findInputProblem(input, MAX_JSON_DEPTH - 3);
  if (problem?.kind === "too_deep") return { unstored: `the input was ${problem.message}` };
  const text = outputText(input);
  if (text.length > MAX_MESSAGE_CHARS)
    return {
      unstored: `the input was ${text.length} characters of JSON, over the ${MAX_MESSAGE_CHARS} a message holds`,
      start: wellFormedPrefix(text, 2000),
    };
  return problem === undefined ? input : wellFormedPrefix(text, 2000);
}

function renderCalls(calls: StepRecord["toolCalls"]): string {
  return calls.map((c) => `→ ${c.toolName} ${outputText(c.input).slice(0, 2000)}`).join("\n");
}

/** A model's or tool's text as a message may hold it (storage refuses a lone surrogate). */
function clip(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS
    ? wellFormedPrefix(text)
    : `${wellFormedPrefix(text, MAX_MESSAGE_CHARS - 1)}…`;
}

/** A summary written when older messages left the context (role system, `metadata.summary`). */
export interface SummaryInfo {
  /** The user whose conversation it summarises, or null for the agent's whole log. */
  scope: string | null;
  /** The newest message it covers; older ones are covered too. */
  throughMessageId: string;
  /** Messages covered, all summaries before it included. */
  covered: number;
  previousSummaryId: string | null;
}

export function summaryInfo(message: Message): SummaryInfo | null {
  if (message.role !== "system") return null;
  const info = message.metadata.summary as SummaryInfo | undefined;
  return typeof info === "object" && info !== null && typeof info.throughMessageId === "string" ? info : null;
}

function toolCallsOf(message: Message): StoredToolCall[] {
  const calls = message.metadata.toolCalls;
  if (!Array.isArray(calls)) return [];
  return calls.filter(
    (c): c is StoredToolCall =>
      typeof c === "object" &&
      c !== null &&
      typeof c.toolCallId === "string" &&
      typeof c.toolName === "string",
  );
}

function toolCallIdOf(message: Message): string | null {
  const id = message.metadata.toolCallId;
  return message.role === "tool" && typeof id === "string" ? id : null;
}

/** Whether a window may not start with this message: a tool result whose call would be cut off. */
export function isToolResult(message: Message): boolean {
  return toolCallIdOf(message) !== null;
}

/** The text a message is counted by: what the model will read of it. */
export function countedText(message: Message): string {
  const calls = toolCallsOf(message);
  const text = withImageNotes(message);
  return calls.length === 0 ? text : `${text}\n${JSON.stringify(calls)}`;
}

/** A message's text with its images' notes (their captions) after it. */
function withImageNotes(message: Message): string {
  const notes = imageNotes(message);
  return notes === "" ? message.content : `${message.content}\n${notes}`;
}

/**
 * Stored messages as the model's conversation. Tool calls and results of earlier turns are replayed
 * as such when both are present; anything else that is not a plain user or assistant turn (a tool or
 * system message appended by hand) is shown as a marked user turn, so nothing is left out.
 */
export function toModelMessages(window: readonly Message[]): ModelMessage[] {
  const results = new Set<string>();
  for (const m of window) {
    const id = toolCallIdOf(m);
    if (id !== null) results.add(id);
  }
  const calls = new Set<string>();
  const out: ModelMessage[] = [];
  for (const m of window) {
    if (m.role === "user") {
      const text = withImageNotes(m);
      out.push({ role: "user", content: m.name === null ? text : `${m.name}: ${text}` });
      continue;
    }
    if (m.role === "assistant") {
      const replayed = toolCallsOf(m).filter((c) => results.has(c.toolCallId));
      if (replayed.length === 0) {
        out.push({ role: "assistant", content: m.content });
        continue;
      }
      for (const c of replayed) calls.add(c.toolCallId);
      const text = m.metadata.callsOnly === true ? [] : [{ type: "text" as const, text: m.content }];
      out.push({
        role: "assistant",
        content: [
          ...text,
          ...replayed.map((c) => ({
            type: "tool-call" as const,
            toolCallId: c.toolCallId,
            toolName: c.toolName,
            input: c.input ?? {},
          })),
        ],
      });
      continue;
    }
    const callId = toolCallIdOf(m);
    if (callId !== null && calls.has(callId)) {
      const toolName = typeof m.metadata.toolName === "string" ? m.metadata.toolName : (m.name ?? "tool");
      out.push({
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: callId,
            toolName,
            output:
              m.metadata.isError === true
                ? { type: "error-text", value: m.content }
                : { type: "text", value: m.content },
          },
        ],
      });
      continue;
    }
    const label = m.role === "tool" ? `[tool${m.name === null ? "" : ` ${m.name}`}]` : "[system note]";
    out.push({ role: "user", content: `${label} ${m.content}` });
  }
  return out;
}
