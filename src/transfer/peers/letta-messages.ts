import { wellFormedPrefix } from "../../core/input-limits.ts";
import { isObject } from "../../core/json-object.ts";
import type { MessageRole } from "../../core/types.ts";
import { MAX_MESSAGE_CHARS } from "../../memory/messages/message-service.ts";
import { counted, invalidPeer, type PeerMessage, peerTime } from "./build.ts";

const WHAT = "Letta agent file";

/** Letta's roles as engram's: older files call a tool's result `function`. */
const ROLES: Record<string, MessageRole> = {
  user: "user",
  assistant: "assistant",
  system: "system",
  tool: "tool",
  function: "tool",
};

interface Context {
  /** The agent's system prompt: a system message that starts with it is Letta's compiled prompt. */
  system: string;
  fallback: string;
  notes: string[];
}

/**
 * Letta's messages as engram's, in the file's order: text parts joined, reasoning kept in
 * `metadata.letta.reasoning`, tool calls in `metadata.toolCalls` as engram's turns record them, a
 * tool's result as a `tool` message with its call id. Letta's compiled system prompt (which engram
 * compiles itself) and messages of roles engram has not are left out and counted in the notes.
 */
export function lettaMessages(list: readonly unknown[], prefix: string, ctx: Context): PeerMessage[] {
  const out: PeerMessage[] = [];
  const skipped = { prompt: 0, empty: 0, roles: new Map<string, number>(), parts: new Map<string, number>() };
  list.forEach((message, i) => {
    const path = `${prefix}.${i}`;
    if (!isObject(message)) throw invalidPeer(WHAT, `${path}: must be an object (a message)`);
    if (typeof message.role !== "string") throw invalidPeer(WHAT, `${path}.role: required (a string)`);
    const role = ROLES[message.role];
    if (role === undefined) {
      skipped.roles.set(message.role, (skipped.roles.get(message.role) ?? 0) + 1);
      return;
    }
    const { text, reasoning } = textOf(message, path, skipped.parts);
    if (role === "system" && ctx.system !== "" && text.startsWith(ctx.system.trim())) {
      skipped.prompt++;
      return;
    }
    const calls = toolCalls(message.tool_calls, `${path}.tool_calls`);
    const reply = sendMessageText(calls);
    const content = reply ?? (text !== "" ? text : renderCalls(calls));
    if (content === "") {
      skipped.empty++;
      return;
    }
    const letta: Record<string, unknown> = {};
    if (typeof message.id === "string") letta.id = message.id;
    if (reasoning !== "") letta.reasoning = reasoning;
    if (reply !== null && text !== "") letta.innerThoughts = text;
    const metadata: Record<string, unknown> = { letta };
    if (calls.length > 0) metadata.toolCalls = calls;
    if (role === "tool" && typeof message.tool_call_id === "string")
      metadata.toolCallId = message.tool_call_id;
    out.push({
      role,
      content: clip(content),
      name: typeof message.name === "string" && message.name !== "" ? message.name.slice(0, 200) : null,
      metadata,
      createdAt: peerTime(message.created_at, `${path}.created_at`, WHAT, ctx.fallback),
    });
  });
  if (skipped.prompt > 0)
    ctx.notes.push(
      `messages: ${counted(skipped.prompt, "compiled system prompt")} not imported (engram compiles its own)`,
    );
  if (skipped.empty > 0) ctx.notes.push(`messages: ${counted(skipped.empty, "empty message")} not imported`);
  for (const [role, n] of skipped.roles)
    ctx.notes.push(`messages: ${counted(n, "message")} of role "${role}" not imported`);
  for (const [type, n] of skipped.parts)
    ctx.notes.push(`messages: ${counted(n, "content part")} of type "${type}" not imported`);
  return out;
}

/** The text of a message: `content` parts (current files), or `text` (older files). */
function textOf(
  message: Record<string, unknown>,
  path: string,
  skippedParts: Map<string, number>,
): { text: string; reasoning: string } {
  const { content } = message;
  if (typeof content === "string") return { text: content, reasoning: "" };
  if (content === undefined || content === null)
    return { text: typeof message.text === "string" ? message.text : returnsText(message), reasoning: "" };
  if (!Array.isArray(content)) throw invalidPeer(WHAT, `${path}.content: must be a list of parts`);
  const texts: string[] = [];
  const reasoning: string[] = [];
  content.forEach((part, j) => {
    if (!isObject(part) || typeof part.type !== "string")
      throw invalidPeer(WHAT, `${path}.content.${j}.type: required (a string)`);
    if (part.type === "text" && typeof part.text === "string") texts.push(part.text);
    else if (part.type === "reasoning" && typeof part.reasoning === "string") reasoning.push(part.reasoning);
    else skippedParts.set(part.type, (skippedParts.get(part.type) ?? 0) + 1);
  });
  const text = texts.join("\n");
  return { text: text === "" ? returnsText(message) : text, reasoning: reasoning.join("\n") };
}

/** A tool message's result when its content is empty: Letta keeps it in `tool_returns`. */
function returnsText(message: Record<string, unknown>): string {
  const returns = Array.isArray(message.tool_returns) ? message.tool_returns : [];
  return returns
    .map((r) => (isObject(r) && typeof r.func_response === "string" ? r.func_response : ""))
    .filter((t) => t !== "")
    .join("\n");
}

interface StoredCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** OpenAI-shaped calls (`{id, function: {name, arguments}}`) as engram's turns store them. */
function toolCalls(value: unknown, path: string): StoredCall[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidPeer(WHAT, `${path}: must be a list`);
  return value.map((call, k) => {
    const fn = isObject(call) && isObject(call.function) ? call.function : null;
    if (fn === null || typeof fn.name !== "string")
      throw invalidPeer(WHAT, `${path}.${k}.function.name: required (the tool's name)`);
    return {
      toolCallId: isObject(call) && typeof call.id === "string" ? call.id : `call_${k}`,
      toolName: fn.name,
      input: parseArguments(fn.arguments),
    };
  });
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== "string") return args ?? {};
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** Letta's agents reply through a `send_message` call: its message is what the user saw. */
function sendMessageText(calls: readonly StoredCall[]): string | null {
  const send = calls.find((c) => c.toolName === "send_message");
  const message = isObject(send?.input) ? send.input.message : undefined;
  return typeof message === "string" && message !== "" ? message : null;
}

function renderCalls(calls: readonly StoredCall[]): string {
  return calls.map((c) => `→ ${c.toolName} ${JSON.stringify(c.input).slice(0, 2000)}`).join("\n");
}

/** A message longer than engram keeps is cut (never inside a surrogate pair) and marked with "…". */
function clip(text: string): string {
  return text.length <= MAX_MESSAGE_CHARS ? text : `${wellFormedPrefix(text, MAX_MESSAGE_CHARS - 1)}…`;
}
