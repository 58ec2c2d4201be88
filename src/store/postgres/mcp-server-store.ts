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
import { writeEvents } from "./event-writer.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";

const SELECT = `SELECT ${MCP_SERVER_COLUMNS} FROM agent_mcp_servers`;

/**
 * MCP servers on PostgreSQL. A change locks the agent's row first (`FOR UPDATE`), so that two servers
 * changing the same agent's MCP server take turns and each event's `before` is what it replaced.
 */
export class PgMcpServerStore implements McpServerStore {
  readonly #db: PgDatabase;
  readonly #box: SecretBox;

  constructor(db: PgDatabase, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  async list(agentId: string): Promise<McpServer[]> {
    const rows = await this.#db.all<McpServerRow>(`${SELECT} WHERE agent_id = $1 ORDER BY name`, [agentId]);
    return rows.map((row) => toMcpServer(row, this.#box));
  }

  async get(agentId: string, name: string): Promise<McpServer | null> {
    return read(this.#db, agentId, name, this.#box);
  }

  async put(
    agentId: string,
    name: string,
    change: (before: McpServer | null) => McpServerChange,
  ): Promise<{ before: McpServer | null; after: McpServer }> {
    return this.#db.transaction(async (tx) => {
      await lockAgent(tx, agentId);
      const before = await read(tx, agentId, name, this.#box);
      const { server, event } = change(before);
      await tx.run(
        `INSERT INTO agent_mcp_servers (${MCP_SERVER_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (agent_id, name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
        mcpServerValues(server, this.#box),
      );
      await writeEvents(tx, [event]);
      return { before, after: server };
    });
  }

  async delete(agentId: string, name: string, event: (before: McpServer) => NewEvent): Promise<McpServer> {
    return this.#db.transaction(async (tx) => {
      await lockAgent(tx, agentId);
      const before = await read(tx, agentId, name, this.#box);
      if (before === null) throw new NotFoundError(`MCP server ${name} of agent ${agentId} not found`);
      await tx.run("DELETE FROM agent_mcp_servers WHERE agent_id = $1 AND name = $2", [agentId, name]);
      await writeEvents(tx, [event(before)]);
      return before;
    });
  }
}

async function lockAgent(tx: Sql, agentId: string): Promise<void> {
  if ((await tx.get("SELECT 1 AS x FROM agents WHERE id = $1 FOR UPDATE", [agentId])) === undefined)
    throw new NotFoundError(`agent ${agentId} not found`);
}

async function read(sql: Sql, agentId: string, name: string, box: SecretBox): Promise<McpServer | null> {
  const row = await sql.get<McpServerRow>(`${SELECT} WHERE agent_id = $1 AND name = $2`, [agentId, name]);
  return row === undefined ? null : toMcpServer(row, box);
}
