import { NotFoundError } from "../../core/errors.ts";
import type { McpServer } from "../../core/mcp-server-types.ts";
import type { SecretBox } from "../../core/secret-box.ts";
import type { NewEvent } from "../../core/types.ts";
import {
  MCP_SERVER_COLUMNS,
  type McpServerRow,
  mcpServerValues,
  toMcpServer,
} from "../rows/mcp-server-rows.ts";
import type { McpServerChange, McpServerStore } from "../store.ts";
import { inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

const SELECT = `SELECT ${MCP_SERVER_COLUMNS} FROM agent_mcp_servers`;

export class SqliteMcpServerStore implements McpServerStore {
  readonly #s: Statements;
  readonly #box: SecretBox;

  constructor(statements: Statements, box: SecretBox) {
    this.#s = statements;
    this.#box = box;
  }

  async list(agentId: string): Promise<McpServer[]> {
    return this.#s
      .all<McpServerRow>(`${SELECT} WHERE agent_id = ? ORDER BY name`, agentId)
      .map((row) => toMcpServer(row, this.#box));
  }

  async get(agentId: string, name: string): Promise<McpServer | null> {
    return this.#read(agentId, name);
  }

  async put(
    agentId: string,
    name: string,
    change: (before: McpServer | null) => McpServerChange,
  ): Promise<{ before: McpServer | null; after: McpServer }> {
    return inWriteTransaction(this.#s.db, () => {
      if (this.#s.get("SELECT 1 AS x FROM agents WHERE id = ?", agentId) === undefined)
        throw new NotFoundError(`agent ${agentId} not found`);
      const before = this.#read(agentId, name);
      const { server, event } = change(before);
      this.#s.run(
        `INSERT INTO agent_mcp_servers (${MCP_SERVER_COLUMNS}) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (agent_id, name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
        ...mcpServerValues(server, this.#box),
      );
      writeEvents(this.#s, [event]);
      return { before, after: server };
    });
  }

  async delete(agentId: string, name: string, event: (before: McpServer) => NewEvent): Promise<McpServer> {
    return inWriteTransaction(this.#s.db, () => {
      const before = this.#read(agentId, name);
      if (before === null) throw new NotFoundError(`MCP server ${name} of agent ${agentId} not found`);
      this.#s.run("DELETE FROM agent_mcp_servers WHERE agent_id = ? AND name = ?", agentId, name);
      writeEvents(this.#s, [event(before)]);
      return before;
    });
  }

  #read(agentId: string, name: string): McpServer | null {
    const row = this.#s.get<McpServerRow>(`${SELECT} WHERE agent_id = ? AND name = ?`, agentId, name);
    return row === undefined ? null : toMcpServer(row, this.#box);
  }
}
