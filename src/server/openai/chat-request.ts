import type { ClientTool, ClientToolResult } from "../../agent/client-tools.ts";
import { EngramError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { type ContentPart, messageContentParts } from "../../images/content-parts.ts";
import type { ChatMessage, ChatRequest } from "./chat-schemas.ts";

/** What a chat completion request asks of the runtime. */
export interface ChatTurn {
  /**
   * The newest user message: the new input (text, or parts with images), or in a continuation what
   * memories are retrieved for (its text).
   */
  content: string | ContentPart[];
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
  const where = `messages.${lastUser}.content`;
  const content = textOf(user.content, where, true);
  const parts = withImages(user.content, where);
  if (content.trim() === "" && parts === null) throw invalid(where, "must not be empty");
  const last = messages.length - 1;
  const clientTools = clientToolsOf(body.tools);
  if (lastUser === last)
    return { content: parts ?? content, name: user.name, toolResults: undefined, clientTools };
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

const IMAGE_PARTS = new Set(["image_url", "image"]);

/** The text of a message's content; image parts are skipped when `images` allows them. */
function textOf(content: ChatMessage["content"], where: string, images = false): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  return content
    .map((part, i) => {
      if (images && IMAGE_PARTS.has(part.type)) return "";
      if (part.type !== "text" || typeof part.text !== "string")
        throw invalid(
          `${where}.${i}`,
          `only text${images ? " and image_url" : ""} content parts are supported (got ${part.type})`,
        );
      return part.text;
    })
    .join("");
}

/** A user message's content as engram's parts when it holds images (checked by the runtime); else null. */
function withImages(content: ChatMessage["content"], where: string): ContentPart[] | null {
  if (!Array.isArray(content) || !content.some((p) => IMAGE_PARTS.has(p.type))) return null;
  content.forEach((part, i) => {
    const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
    if (part.type === "image_url" && (typeof url !== "string" || !/^(https?:\/\/|data:)/i.test(url)))
      throw invalid(`${where}.${i}`, "image_url.url must be an http(s) URL or a data: URL");
  });
  const parsed = messageContentParts.safeParse(content);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [where, ...(issue?.path ?? [])].join(".");
    throw invalid(path, issue?.message ?? "is not a valid content part");
  }
  return parsed.data;
}

/**
 * The engine's refusal of the turn's client tools or tool results, told in the request's terms: the
 * engine names its options (`invalid client tools: NAME`, `toolResults.N.toolCallId`), the client
 * sent `tools.I.function.name` and `messages.M.tool_call_id`. Any other error is returned as it is.
 */
export function inRequestTerms(body: ChatRequest, turn: ChatTurn, error: unknown): unknown {
  if (!(error instanceof InvalidInputError)) return error;
  const { clientTool, toolResult } = error.details ?? {};
  if (typeof clientTool === "string") {
    const i = body.tools?.findIndex((tool) => tool.function.name === clientTool) ?? -1;
    if (i !== -1)
      return invalid(`tools.${i}.function.name`, `${clientTool}: the agent has a tool of that name`, error);
  }
  if (typeof toolResult === "number" && turn.toolResults !== undefined) {
    // The results are the trailing tool messages, in order.
    const m = body.messages.length - turn.toolResults.length + toolResult;
    const problem = error.message.replace(/^invalid turn options: toolResults\.\d+\.toolCallId: /, "");
    return invalid(`messages.${m}.tool_call_id`, problem, error);
  }
  return error;
}

function invalid(param: string, problem: string, cause?: unknown): InvalidInputError {
  const message = problem.startsWith(param) ? problem : `${param}: ${problem}`;
  return new InvalidInputError(`invalid request body: ${message}`, { details: { param }, cause });
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
