import type { McpServer, McpServerConfig } from "../../core/mcp-server-types.ts";
import { isSealed, openOrWhy, type SecretBox } from "../../core/secret-box.ts";

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

export const toMcpServer = (row: McpServerRow, box: SecretBox): McpServer => {
  let secretProblem: string | undefined;
  const config = withSecrets(JSON.parse(row.config), (value, key) => {
    const opened = openOrWhy(box, value, `${key} of MCP server ${row.name} of agent ${row.agent_id}`);
    if ("value" in opened) return opened.value;
    secretProblem ??= opened.problem;
    return value;
  });
  return {
    agentId: row.agent_id,
    name: row.name,
    config,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(secretProblem === undefined ? {} : { secretProblem }),
  };
};

export const mcpServerValues = (server: McpServer, box: SecretBox): string[] => [
  server.agentId,
  server.name,
  // A value still sealed (one this process could not open, kept as it was) is not sealed again.
  JSON.stringify(withSecrets(server.config, (value) => (isSealed(value) ? value : box.seal(value)))),
  server.createdAt,
  server.updatedAt,
];

/** The configuration with each value of its `env` or `headers` (its secrets) mapped. */
function withSecrets(config: McpServerConfig, map: (value: string, key: string) => string): McpServerConfig {
  const field = config.transport === "stdio" ? "env" : "headers";
  const values = config.transport === "stdio" ? config.env : config.headers;
  const mapped = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, map(value, `${field}.${name}`)]),
  );
  return config.transport === "stdio" ? { ...config, env: mapped } : { ...config, headers: mapped };
}
