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
 * tool's result as a `tool` message with its call id, tool name and whether it failed. What Letta
 * wrapped in JSON before the model saw it (see `unwrap`) is unwrapped. Letta's compiled system
 * prompt (which engram compiles itself), its heartbeat and login events, and messages of roles
 * engram has not are left out and counted in the notes, as are messages cut to engram's length.
 */
export function lettaMessages(list: readonly unknown[], prefix: string, ctx: Context): PeerMessage[] {
  const out: PeerMessage[] = [];
  const skipped = {
    prompt: 0,
    empty: 0,
    clipped: 0,
    events: 0,
    alerts: 0,
    roles: new Map<string, number>(),
    parts: new Map<string, number>(),
  };
  // Tool names by call id, for results that do not name their tool (Letta's `name` is often null).
  const toolNames = new Map<string, string>();
  list.forEach((message, i) => {
    const path = `${prefix}.${i}`;
    if (!isObject(message)) throw invalidPeer(WHAT, `${path}: must be an object (a message)`);
    if (typeof message.role !== "string") throw invalidPeer(WHAT, `${path}.role: required (a string)`);
    let role = ROLES[message.role];
    if (role === undefined) {
      skipped.roles.set(message.role, (skipped.roles.get(message.role) ?? 0) + 1);
      return;
    }
    const { text: raw, reasoning } = textOf(message, path, skipped.parts);
    if (role === "system" && ctx.system !== "" && raw.startsWith(ctx.system.trim())) {
      skipped.prompt++;
      return;
    }
    const wrapped = role === "user" || role === "system" ? unwrap(raw) : null;
    if (wrapped?.type === "heartbeat" || wrapped?.type === "login") {
      skipped.events++;
      return;
    }
    let text = raw;
    if (wrapped !== null && wrapped.message !== null) {
      if (wrapped.type === "user_message") text = wrapped.message;
      else if (wrapped.type === "system_alert") {
        text = wrapped.message;
        if (role === "user") skipped.alerts++;
        role = "system";
      }
    }
    const calls = toolCalls(message.tool_calls, `${path}.tool_calls`);
    for (const call of calls) toolNames.set(call.toolCallId, call.toolName);
    const reply = sendMessageText(calls);
    const content = reply ?? (text !== "" ? text : renderCalls(calls));
    if (content === "") {
      skipped.empty++;
      return;
    }
    const letta: Record<string, unknown> = {};
    if (typeof message.id === "string") letta.id = message.id;
    if (wrapped !== null && wrapped.message !== null) letta.wrapped = wrapped.type;
    if (reasoning !== "") letta.reasoning = reasoning;
    if (reply !== null && text !== "") letta.innerThoughts = text;
    const metadata: Record<string, unknown> = { letta };
    if (calls.length > 0) metadata.toolCalls = calls;
    if (calls.length > 0 && reply === null && text === "") metadata.callsOnly = true;
    const named = typeof message.name === "string" && message.name !== "" ? message.name : null;
    let name = named ?? wrapped?.name ?? null;
    if (role === "tool" && typeof message.tool_call_id === "string") {
      metadata.toolCallId = message.tool_call_id;
      name ??= toolNames.get(message.tool_call_id) ?? null;
      if (name !== null) metadata.toolName = name;
      metadata.isError = failed(message, raw);
    }
    if (content.length > MAX_MESSAGE_CHARS) skipped.clipped++;
    out.push({
      role,
      content: clip(content),
      name: name === null ? null : name.slice(0, 200),
      metadata,
      createdAt: peerTime(message.created_at, `${path}.created_at`, WHAT, ctx.fallback),
    });
  });
  if (skipped.prompt > 0)
    ctx.notes.push(
      `messages: ${counted(skipped.prompt, "compiled system prompt")} not imported (engram compiles its own)`,
    );
  if (skipped.events > 0)
    ctx.notes.push(
      `messages: ${counted(skipped.events, "heartbeat or login event")} (Letta's automated user messages) not imported`,
    );
  if (skipped.alerts > 0)
    ctx.notes.push(
      `messages: ${counted(skipped.alerts, "system alert")} (Letta's summaries of hidden messages, sent as user messages) imported as system messages`,
    );
  if (skipped.empty > 0) ctx.notes.push(`messages: ${counted(skipped.empty, "empty message")} not imported`);
  if (skipped.clipped > 0)
    ctx.notes.push(
      `messages: ${counted(skipped.clipped, "message")} longer than ${MAX_MESSAGE_CHARS.toLocaleString("en-US")} characters cut to fit, marked with "…"`,
    );
  for (const [role, n] of skipped.roles)
    ctx.notes.push(`messages: ${counted(n, "message")} of role "${role}" not imported`);
  for (const [type, n] of skipped.parts)
    ctx.notes.push(`messages: ${counted(n, "content part")} of type "${type}" not imported`);
  return out;
}

/** A message Letta wrapped in JSON: its `type`, its `message` and the `name` of who sent it. */
interface Wrapped {
  type: string;
  message: string | null;
  name: string | null;
}

/**
 * What Letta wraps before the model sees it (letta/system.py): a user's message as
 * `{"type": "user_message", "message": …, "time": …}`, heartbeats and login events as user messages
 * of their own type, a summary of hidden messages as a `system_alert`. Null for anything else.
 */
function unwrap(text: string): Wrapped | null {
  if (!text.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.type !== "string") return null;
  if (!["user_message", "system_alert", "heartbeat", "login"].includes(value.type)) return null;
  return {
    type: value.type,
    message: typeof value.message === "string" && value.message !== "" ? value.message : null,
    name: typeof value.name === "string" && value.name !== "" ? value.name : null,
  };
}

/** Whether a tool's result was a failure: a `tool_returns` status of error, or Letta's "Failed". */
function failed(message: Record<string, unknown>, text: string): boolean {
  const returns = Array.isArray(message.tool_returns) ? message.tool_returns : [];
  if (returns.some((r) => isObject(r) && r.status === "error")) return true;
  if (!text.startsWith("{")) return false;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) && value.status === "Failed";
  } catch {
    return false;
  }
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
