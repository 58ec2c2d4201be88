import type { JSONSchema7, Tool } from "ai";
import { InvalidInputError } from "../core/errors.ts";
import type { Message } from "../core/types.ts";
import type { MessageInput, MessageService } from "../memory/messages/message-service.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import { MEMORY_TOOL_NAMES } from "./memory-tools.ts";
import type { StepRecord } from "./turn-messages.ts";

/**
 * A tool the caller runs itself, as an OpenAI client's `tools` are: offered to the model beside the
 * agent's own, but never executed by engram. When the model calls one, the turn ends there and the
 * call comes back in `TurnResult.pendingToolCalls`; the caller runs it and sends the result back
 * with `TurnOptions.toolResults`.
 *
 * @example
 * const turn = await engram.runtime.send(agent.id, { content: "Weather in Oslo?" }, {
 *   clientTools: { get_weather: { description: "Current weather", inputSchema: { type: "object" } } },
 * });
 */
export interface ClientTool {
  description?: string;
  /** The tool's parameters as JSON Schema (an object schema). */
  inputSchema: Record<string, unknown>;
}

/** A call of a client tool the model made, left for the caller to run. */
export interface PendingToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** The caller's result of a pending tool call, sent back to continue the conversation. */
export interface ClientToolResult {
  toolCallId: string;
  /** What the tool returned, as text the model reads. */
  output: string;
  /** The tool failed and `output` says why. Default false. */
  isError?: boolean;
}

/** The client tools as AI SDK tools without `execute`, so the SDK stops the turn at their calls. */
export function clientToolSet(
  tools: Record<string, ClientTool>,
  taken: readonly string[],
): Record<string, Tool> {
  const out: Record<string, Tool> = {};
  for (const [name, definition] of Object.entries(tools)) {
    if ((MEMORY_TOOL_NAMES as readonly string[]).includes(name) || taken.includes(name))
      throw new InvalidInputError(`invalid client tools: ${name}: the agent has a tool of that name`, {
        details: { clientTool: name },
      });
    out[name] = aiSdk().tool({
      description: definition.description,
      inputSchema: aiSdk().jsonSchema(definition.inputSchema as JSONSchema7),
    });
  }
  return out;
}

/** The calls of client tools the turn's last step left without a result. */
export function pendingToolCalls(
  steps: readonly StepRecord[],
  clientTools: ReadonlySet<string>,
): PendingToolCall[] {
  const last = steps.at(-1);
  if (last === undefined) return [];
  const answered = new Set(last.toolResults.map((r) => r.toolCallId));
  return last.toolCalls
    .filter((c) => clientTools.has(c.toolName) && !answered.has(c.toolCallId) && !c.invalid)
    .map((c) => ({ toolCallId: c.toolCallId, toolName: c.toolName, input: c.input }));
}

/**
 * Checks that each result answers a call of the conversation's newest assistant message that has no
 * result yet, and gives the tool messages to store (nothing is written here, so a refusal changes nothing).
 */
export async function toolResultMessages(
  messages: MessageService,
  conversation: {
    agentId: string;
    userId: string | undefined;
    sessionId: string | undefined;
    turnId: string;
  },
  results: readonly ClientToolResult[],
  createdAt: string,
): Promise<MessageInput[]> {
  if (results.length === 0)
    throw new InvalidInputError("invalid turn options: toolResults: must not be empty");
  const recent = await messages.list(conversation.agentId, {
    userId: conversation.userId,
    newestFirst: true,
    limit: 100,
  });
  const answered = new Set<string>();
  let calls: Map<string, string> | undefined;
  for (const message of recent.items) {
    const id = message.metadata.toolCallId;
    if (message.role === "tool" && typeof id === "string") answered.add(id);
    if (message.role === "assistant") {
      calls = callsOf(message);
      break;
    }
  }
  const seen = new Set<string>();
  return results.map((result, index) => {
    const toolName = calls?.get(result.toolCallId);
    const where = `invalid turn options: toolResults.${index}.toolCallId`;
    if (toolName === undefined || answered.has(result.toolCallId) || seen.has(result.toolCallId))
      throw new InvalidInputError(
        `${where}: ${JSON.stringify(result.toolCallId)} is not a call the agent's last answer is waiting on`,
        { details: { toolResult: index } },
      );
    seen.add(result.toolCallId);
    return {
      role: "tool",
      name: toolName.slice(0, 200),
      content: result.output === "" ? "(empty result)" : result.output,
      userId: conversation.userId,
      sessionId: conversation.sessionId,
      createdAt,
      metadata: {
        turnId: conversation.turnId,
        toolCallId: result.toolCallId,
        toolName,
        isError: result.isError === true,
        client: true,
      },
    } satisfies MessageInput;
  });
}

function callsOf(message: Message): Map<string, string> {
  const out = new Map<string, string>();
  const calls = message.metadata.toolCalls;
  if (!Array.isArray(calls)) return out;
  for (const c of calls)
    if (typeof c?.toolCallId === "string" && typeof c?.toolName === "string")
      out.set(c.toolCallId, c.toolName);
  return out;
}
