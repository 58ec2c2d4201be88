import type { JSONSchema7, Tool } from "ai";
import type { McpServer } from "../core/mcp-server-types.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import type { McpToolInfo } from "./mcp-connection.ts";
import type { McpConnectionPool } from "./mcp-connection-pool.ts";
import { checkMcpServerAllowed, type McpPolicy, UNRESTRICTED_MCP } from "./mcp-policy.ts";
import { resultText } from "./mcp-result-text.ts";
import { mcpToolName } from "./mcp-tool-names.ts";

/** One MCP tool as offered to the model. */
export interface OfferedMcpTool {
  /** The name the model calls it by: `SERVER__TOOL`, sanitised. */
  name: string;
  server: string;
  /** The server's own name for it. */
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** How one of an agent's MCP servers fared when its tools were listed. */
export interface McpServerStatus {
  name: string;
  /** `ok`; `unavailable`: it could not be reached (tools last listed, if any, are still offered); `forbidden`. */
  status: "ok" | "unavailable" | "forbidden";
  error: string | null;
  /** How many of its tools are offered. */
  tools: number;
}

/** What `mcpTools` needs: the pool, the view's policy, and the names already taken by other tools. */
export interface McpToolScope {
  pool: McpConnectionPool;
  policy: McpPolicy | undefined;
  taken: ReadonlySet<string>;
}

/**
 * The tools an agent's MCP servers offer, filtered by each server's `allowTools`, named
 * `SERVER__TOOL`. A server the policy forbids is never started; one that cannot be reached offers
 * the tools it last listed (their calls fail with a tool error), or none.
 */
export async function listMcpTools(
  servers: readonly McpServer[],
  scope: McpToolScope,
): Promise<{ tools: (OfferedMcpTool & { config: McpServer })[]; servers: McpServerStatus[] }> {
  const listed = await Promise.all(servers.map((server) => listServer(server, scope)));
  const taken = new Set(scope.taken);
  const tools: (OfferedMcpTool & { config: McpServer })[] = [];
  for (const { server, found } of listed) {
    const allowed = server.config.allowTools;
    for (const tool of found) {
      if (allowed !== null && !allowed.includes(tool.name)) continue;
      const name = mcpToolName(server.name, tool.name, taken);
      taken.add(name);
      tools.push({
        name,
        server: server.name,
        tool: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        config: server,
      });
    }
  }
  const statuses = listed.map(({ server, status }) => ({
    ...status,
    tools: tools.filter((t) => t.server === server.name).length,
  }));
  return { tools, servers: statuses };
}

/** The agent's MCP tools as AI SDK tools: a failure comes back to the model as the tool's error. */
export async function mcpToolSet(
  servers: readonly McpServer[],
  scope: McpToolScope,
): Promise<Record<string, Tool>> {
  if (servers.length === 0) return {};
  const { tools } = await listMcpTools(servers, scope);
  const out: Record<string, Tool> = {};
  for (const offered of tools) {
    const { agentId, name, config } = offered.config;
    out[offered.name] = aiSdk().tool({
      description: offered.description === "" ? `${offered.tool} (MCP server ${name})` : offered.description,
      inputSchema: aiSdk().jsonSchema(offered.inputSchema as JSONSchema7),
      execute: async (input: unknown, options) => {
        const args = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
        const result = await scope.pool
          .using(agentId, name, config, (connection) =>
            connection.call(offered.tool, args, { timeoutMs: config.timeoutMs, signal: options.abortSignal }),
          )
          .catch((error: unknown) => {
            throw new Error(`MCP server ${name}: ${offered.tool} failed: ${(error as Error).message}`);
          });
        return resultText(result, `MCP server ${name}: ${offered.tool}`);
      },
    });
  }
  return out;
}

async function listServer(
  server: McpServer,
  scope: McpToolScope,
): Promise<{ server: McpServer; found: McpToolInfo[]; status: Omit<McpServerStatus, "tools"> }> {
  const { agentId, name, config } = server;
  // Its secrets are sealed and this process cannot open them: not started, its tools not offered.
  if (server.secretProblem !== undefined)
    return { server, found: [], status: { name, status: "unavailable", error: server.secretProblem } };
  try {
    await checkMcpServerAllowed(scope.policy ?? UNRESTRICTED_MCP, config, `MCP server ${name}`);
  } catch (error) {
    return { server, found: [], status: { name, status: "forbidden", error: (error as Error).message } };
  }
  try {
    const found = await scope.pool.tools(agentId, name, config);
    return { server, found, status: { name, status: "ok", error: null } };
  } catch (error) {
    const found = scope.pool.knownTools(agentId, name, config) ?? [];
    return { server, found, status: { name, status: "unavailable", error: (error as Error).message } };
  }
}
