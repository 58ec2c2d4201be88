import { InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { McpServerView } from "../core/mcp-server-types.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import { checkMcpServerAllowed, UNRESTRICTED_MCP } from "./mcp-policy.ts";
import {
  checkServerName,
  MAX_MCP_SERVERS_PER_AGENT,
  type McpServerInput,
  maskedView,
  parseMcpServer,
} from "./mcp-server-config.ts";

/** A server after `put`: as shown, and whether it is new. */
export interface PutMcpServerResult {
  server: McpServerView;
  created: boolean;
}

/**
 * The MCP servers each agent takes tools from: a command run as a child process (stdio) or a URL
 * (streamable HTTP). Their tools are offered to the agent's model as `NAME__TOOL`. Values of `env`
 * and `headers` are never shown in full.
 *
 * @example
 * await engram.mcpServers.put(agent.id, "files", {
 *   command: "mcp-server-filesystem",
 *   args: ["/srv/shared"],
 *   allowTools: ["read_text_file", "list_directory"],
 * });
 */
export class McpServerService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  /**
   * Creates or replaces the agent's MCP server of that name. An `env` or `headers` value equal to the
   * mask GET shows keeps the stored value.
   * @throws InvalidInputError naming the field; ForbiddenError when the server's operator does not
   *   allow the command or URL (`engram serve --allow-mcp`, `--allow-url`); NotFoundError for the agent
   */
  async put(agentId: string, name: string, input: McpServerInput): Promise<PutMcpServerResult> {
    const agent = await requireAgent(this.#ctx, agentId);
    checkServerName(name);
    const stored = await this.#ctx.store.mcpServers.list(agent.id);
    const existing = stored.find((s) => s.name === name) ?? null;
    if (existing === null && stored.length >= MAX_MCP_SERVERS_PER_AGENT)
      throw new InvalidInputError(
        `invalid MCP server: an agent may have at most ${MAX_MCP_SERVERS_PER_AGENT} MCP servers: remove one first`,
      );
    // Checked against what is stored now; the write below checks again in its transaction.
    const config = parseMcpServer(name, input, existing?.config ?? null);
    await checkMcpServerAllowed(this.#ctx.mcpPolicy ?? UNRESTRICTED_MCP, config, "invalid MCP server");
    const now = nowIso(this.#ctx);
    const { before, after } = await this.#ctx.store.mcpServers.put(agent.id, name, (current) => {
      const server = {
        agentId: agent.id,
        name,
        config: parseMcpServer(name, input, current?.config ?? null),
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
      };
      const event = makeEvent(this.#ctx, {
        projectId: agent.projectId,
        agentId: agent.id,
        actor: "user",
        kind: current === null ? "mcp_server.created" : "mcp_server.updated",
        targetType: "mcp_server",
        targetId: name,
        before: current === null ? null : maskedView(current),
        after: maskedView(server),
        createdAt: now,
      });
      return { server, event };
    });
    return { server: maskedView(after), created: before === null };
  }

  /** @throws NotFoundError when the agent has no MCP server of that name */
  async get(agentId: string, name: string): Promise<McpServerView> {
    const agent = await requireAgent(this.#ctx, agentId);
    checkServerName(name);
    const server = await this.#ctx.store.mcpServers.get(agent.id, name);
    if (server === null) throw new NotFoundError(`MCP server ${name} of agent ${agent.id} not found`);
    return maskedView(server);
  }

  /** The agent's MCP servers, by name. */
  async list(agentId: string): Promise<McpServerView[]> {
    const agent = await requireAgent(this.#ctx, agentId);
    return (await this.#ctx.store.mcpServers.list(agent.id)).map(maskedView);
  }

  /** Removes the agent's MCP server; its tools are no longer offered. @throws NotFoundError */
  async delete(agentId: string, name: string): Promise<void> {
    const agent = await requireAgent(this.#ctx, agentId);
    checkServerName(name);
    await this.#ctx.store.mcpServers.delete(agent.id, name, (before) =>
      makeEvent(this.#ctx, {
        projectId: agent.projectId,
        agentId: agent.id,
        actor: "user",
        kind: "mcp_server.deleted",
        targetType: "mcp_server",
        targetId: name,
        before: maskedView(before),
      }),
    );
  }
}
