import type { ClientTool, ClientToolResult } from "../../agent/client-tools.ts";
import { EngramError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import type { ChatMessage, ChatRequest } from "./chat-schemas.ts";

/** What a chat completion request asks of the runtime. */
export interface ChatTurn {
  /** The newest user message: the new input, or in a continuation what memories are retrieved for. */
  content: string;
  name: string | undefined;
  /** The trailing tool results, when the request continues after client tool calls. */
  toolResults: ClientToolResult[] | undefined;
  clientTools: Record<string, ClientTool> | undefined;
}

/**
 * Reads a request against the stored conversation, which is authoritative: only what comes after
 * the client's last exchange is new. That is the newest user message when it is the last message,
 * or the tool results after the last assistant message when they are. Earlier messages are what the
 * client already showed and are not stored again; system and developer messages are ignored (the
 * agent's own instructions and memory make its system prompt).
 */
export function chatTurnOf(body: ChatRequest): ChatTurn {
  const { messages } = body;
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === "user") lastUser = i;
  });
  if (lastUser === -1) throw invalid("messages", "messages: must contain a user message");
  const user = messages[lastUser] as Extract<ChatMessage, { role: "user" }>;
  const content = textOf(user.content, `messages.${lastUser}.content`);
  if (content.trim() === "") throw invalid(`messages.${lastUser}.content`, "must not be empty");
  const last = messages.length - 1;
  const clientTools = clientToolsOf(body.tools);
  if (lastUser === last) return { content, name: user.name, toolResults: undefined, clientTools };
  const results: ClientToolResult[] = [];
  let i = last;
  for (; i > lastUser && messages[i]?.role === "tool"; i--) {
    const m = messages[i] as Extract<ChatMessage, { role: "tool" }>;
    results.unshift({ toolCallId: m.tool_call_id, output: textOf(m.content, `messages.${i}.content`) });
  }
  if (results.length === 0 || messages[i]?.role !== "assistant")
    throw invalid(
      `messages.${last}`,
      `messages.${last}: the last message must be the user's, or the results of the tool calls of the assistant message before them (got role ${messages[last]?.role})`,
    );
  return { content, name: user.name, toolResults: results, clientTools };
}

function clientToolsOf(tools: ChatRequest["tools"]): Record<string, ClientTool> | undefined {
  if (tools === undefined || tools.length === 0) return undefined;
  const out: Record<string, ClientTool> = {};
  tools.forEach((tool, i) => {
    const name = tool.function.name;
    if (Object.hasOwn(out, name)) throw invalid(`tools.${i}.function.name`, `${name} is given twice`);
    out[name] = {
      description: tool.function.description,
      inputSchema: tool.function.parameters ?? { type: "object", properties: {} },
    };
  });
  return out;
}

function textOf(content: ChatMessage["content"], where: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  return content
    .map((part, i) => {
      if (part.type !== "text" || typeof part.text !== "string")
        throw invalid(`${where}.${i}`, `only text content parts are supported (got ${part.type})`);
      return part.text;
    })
    .join("");
}

function invalid(param: string, problem: string): InvalidInputError {
  const message = problem.startsWith(param) ? problem : `${param}: ${problem}`;
  return new InvalidInputError(`invalid request body: ${message}`, { details: { param } });
}

/**
 * The agent a `model` names: `agent:NAME`, an id, or a bare name, in the caller's project. Any other
 * is 404 `model_not_found`, as OpenAI answers an unknown model.
 */
export async function agentOfModel(engram: Engram, model: string) {
  const ref = model.startsWith("agent:") ? model.slice("agent:".length) : model;
  try {
    if (ref === "") throw new NotFoundError("empty name");
    return await engram.agents.find(ref);
  } catch (error) {
    if (!EngramError.isInstance(error) || error.code !== "not_found") throw error;
    throw new NotFoundError(`The model '${model}' does not exist: no agent of that name or id`, {
      details: { param: "model", openaiCode: "model_not_found" },
    });
  }
}
