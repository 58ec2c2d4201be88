import { wellFormedPrefix } from "../core/input-limits.ts";
import type { McpCallResult } from "./mcp-connection.ts";

/** Longest tool result passed to the model; the rest is cut with a note. */
export const MAX_MCP_RESULT_CHARS = 100_000;

/**
 * A tool call's result as the text the model reads. A result the tool marks as an error is thrown,
 * so the model sees a tool error; one that is not a tool result at all says so.
 */
export function resultText(result: McpCallResult, what: string): string {
  const content = (result as { content?: unknown }).content;
  let text: string;
  if (Array.isArray(content)) {
    const parts = content.map(partText);
    const structured = (result as { structuredContent?: unknown }).structuredContent;
    text = parts.length === 0 && structured !== undefined ? JSON.stringify(structured) : parts.join("\n");
  } else if ("toolResult" in result) {
    text = JSON.stringify(result.toolResult) ?? "";
  } else {
    throw new Error(`${what} returned no content`);
  }
  const clipped =
    text.length > MAX_MCP_RESULT_CHARS
      ? `${wellFormedPrefix(text, MAX_MCP_RESULT_CHARS)}\n[… ${text.length - MAX_MCP_RESULT_CHARS} more characters cut]`
      : text;
  if ((result as { isError?: unknown }).isError === true) throw new Error(`${what}: ${clipped || "failed"}`);
  return clipped;
}

function partText(part: unknown): string {
  const p = part as Record<string, unknown>;
  switch (p.type) {
    case "text":
      return String(p.text ?? "");
    case "image":
    case "audio":
      return `[${p.type} ${String(p.mimeType)}, about ${Math.floor((String(p.data ?? "").length * 3) / 4)} bytes]`;
    case "resource": {
      const resource = (p.resource ?? {}) as Record<string, unknown>;
      return typeof resource.text === "string" ? resource.text : `[resource ${String(resource.uri)}]`;
    }
    case "resource_link":
      return `[resource ${String(p.uri)}${typeof p.name === "string" ? ` (${p.name})` : ""}]`;
    default:
      return JSON.stringify(part) ?? "";
  }
}
