import type { McpServer } from "../../core/mcp-server-types.ts";

/** An `agent_mcp_servers` row, as both backends store it: the configuration is one JSON text. */
export interface McpServerRow {
  agent_id: string;
  name: string;
  config: string;
  created_at: string;
  updated_at: string;
}

/** The columns of `McpServerRow`, in the order `mcpServerValues` gives them. */
export const MCP_SERVER_COLUMNS = "agent_id, name, config, created_at, updated_at";

export const toMcpServer = (row: McpServerRow): McpServer => ({
  agentId: row.agent_id,
  name: row.name,
  config: JSON.parse(row.config),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const mcpServerValues = (server: McpServer): string[] => [
  server.agentId,
  server.name,
  JSON.stringify(server.config),
  server.createdAt,
  server.updatedAt,
];
