import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Engram } from "../engram.ts";
import { packageVersion } from "../server/version.ts";
import { registerBlockResources } from "./block-resources.ts";
import { agentList, blockEdit, blockList, blockRead } from "./block-tools.ts";
import { episodeRecord, experienceAdvice, insightsList } from "./experience-tools.ts";
import { entityLookup } from "./graph-tools.ts";
import {
  conversationSearch,
  memoryInsert,
  memorySearch,
  messageAppend,
  messageRead,
} from "./memory-tools.ts";
import { createSession } from "./session.ts";
import { type McpTool, registerTools } from "./tool.ts";

/** Every tool the server offers, in the order clients list them. */
export const MCP_TOOLS: readonly McpTool[] = [
  agentList,
  blockList,
  blockRead,
  blockEdit,
  memorySearch,
  memoryInsert,
  conversationSearch,
  messageRead,
  messageAppend,
  entityLookup,
  experienceAdvice,
  episodeRecord,
  insightsList,
];

export interface McpServerOptions {
  /** The engine the tools work on (a project-scoped one confines the session to that project). */
  engram: Engram;
  /**
   * The agent (id or name) a call works on when it names none. Without one, every tool about an
   * agent requires its `agent` argument.
   */
  agent?: string | undefined;
  /**
   * What to do when `agent` does not exist, told to every call that needs it (the server starts
   * anyway, so that a client sees the problem instead of a dead server). Default: create it first.
   */
  missingAgentHint?: string | undefined;
  /** Told about unexpected errors, whose details the client does not see. Default: stderr. */
  onInternalError?: (error: unknown) => void;
}

/**
 * An MCP server that gives any MCP client an engram agent's memory: tools to read and edit its
 * blocks, search and add long-term memories, search and log its conversation, ask its experience
 * for advice and record episodes, list its insights; and its blocks as resources. Connect it to a
 * transport (stdio, streamable HTTP); see docs/mcp.md.
 *
 * @example
 * const server = createMcpServer({ engram: createEngram(), agent: "support" });
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const session = createSession({
    engram: options.engram,
    defaultAgent: options.agent === "" ? undefined : options.agent,
    missingAgentHint: options.missingAgentHint,
    onInternalError: options.onInternalError ?? reportToStderr,
  });
  const server = new McpServer(
    { name: "engram", title: "engram memory", version: packageVersion() },
    { instructions: instructions(session.defaultAgent) },
  );
  registerTools(server, session, MCP_TOOLS);
  registerBlockResources(server, session);
  return server;
}

function instructions(agent: string | undefined): string {
  const who =
    agent === undefined
      ? "Every tool about an agent needs its `agent` argument (an id or a name; agent_list shows them)."
      : "Tools work on this session's agent unless a call names another with `agent`.";
  return [
    "engram keeps an agent's memory. Memory blocks are learned context kept in the agent's prompt:",
    "read them with block_list/block_read and change them with block_edit (every edit is a commit that",
    "can be reverted). Long-term memories are searched with memory_search and added with memory_insert;",
    "past conversations are searched with conversation_search (a message cut short is read whole with",
    "message_read). experience_advice suggests actions",
    `learned from episodes recorded with episode_record. ${who}`,
  ].join(" ");
}

function reportToStderr(error: unknown): void {
  console.error("engram mcp: internal error:", error);
}
