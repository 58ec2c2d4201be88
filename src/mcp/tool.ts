import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { checkInput } from "../core/input-limits.ts";
import type { McpSession } from "./session.ts";

/** What a tool body gets: the session, and for a tool about one agent, that agent's id. */
export interface ToolContext {
  session: McpSession;
  /** The agent the call works on (resolved from `agent` or the session's default). */
  agentId: string;
}

/** One MCP tool: its arguments (besides `agent`) as zod fields, and what it does. */
export interface McpTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly fields: z.ZodRawShape;
  /** Whether the tool works on one agent, and so takes the `agent` argument. */
  readonly perAgent: boolean;
  readonly annotations: ToolAnnotations;
  run(args: Record<string, unknown>, context: ToolContext): Promise<Record<string, unknown>>;
}

export interface ToolSpec<F extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  fields: F;
  /** Default true. */
  perAgent?: boolean;
  annotations: ToolAnnotations;
  run(args: z.output<z.ZodObject<F>>, context: ToolContext): Promise<Record<string, unknown>>;
}

/** Declares a tool; its arguments are typed from its fields. */
export function defineTool<F extends z.ZodRawShape>(spec: ToolSpec<F>): McpTool {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    fields: spec.fields,
    perAgent: spec.perAgent ?? true,
    annotations: { title: spec.title, ...spec.annotations },
    run: (args, context) => spec.run(args as z.output<z.ZodObject<F>>, context),
  };
}

/**
 * Registers tools on a server. The SDK validates the arguments against each tool's strict schema
 * before the body runs (a wrong shape or an unknown argument is a tool error naming the field, and
 * nothing runs); arguments with a lone surrogate or nested deeper than MAX_INPUT_DEPTH are refused the
 * same way. The body's engram errors become tool errors too.
 */
export function registerTools(server: McpServer, session: McpSession, tools: readonly McpTool[]): void {
  for (const tool of tools) {
    const inputSchema = z.strictObject(
      tool.perAgent ? { ...tool.fields, agent: session.agentParameter } : tool.fields,
    );
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema, annotations: tool.annotations },
      (args: Record<string, unknown>) =>
        session.call(async () => {
          // The fields' schemas check shapes; this refuses a lone surrogate or deep nesting anywhere.
          checkInput(args, `arguments of ${tool.name}`);
          const named = typeof args.agent === "string" ? args.agent : undefined;
          const agentId = tool.perAgent ? await session.agentId(named) : "";
          const { agent: _, ...rest } = args;
          return tool.run(rest, { session, agentId });
        }),
    );
  }
}
