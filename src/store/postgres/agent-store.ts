import { agentNameTaken } from "../../core/agent-names.ts";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Group } from "../../core/group-types.ts";
import type { Agent, NewEvent } from "../../core/types.ts";
import { AGENT_INSERT_COLUMNS, agentUpdateValues, agentValues } from "../rows/agent-values.ts";
import { type AgentRow, toAgent } from "../sqlite/rows.ts";
import type { AgentStore, HistorySnapshot, InstructionsChange, ListOptions } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { groupsOfAgent } from "./group-store.ts";
import { insertHistory } from "./history-store.ts";
import { insertRows } from "./insert-rows.ts";
import { forgetExperienceVersions } from "./learning-store.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { isForeignKeyViolation, isUniqueViolation } from "./pg-errors.ts";
import { requireProject } from "./project-store.ts";

/**
 * Agents on PostgreSQL. Deleting one cascades (foreign keys) to everything it owns; its events stay
 * in the log.
 */
export class PgAgentStore implements AgentStore {
  readonly #db: PgDatabase;
  readonly #afterDelete: (agentId: string) => void;

  /** `afterDelete` learns of each agent deleted here (to forget what is held in memory for it). */
  constructor(db: PgDatabase, afterDelete: (agentId: string) => void = () => {}) {
    this.#db = db;
    this.#afterDelete = afterDelete;
  }

  async create(agent: Agent, history: HistorySnapshot, events: NewEvent[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await insertAgent(tx, agent, history);
      await writeEvents(tx, events);
    });
  }

  async get(id: string): Promise<Agent | null> {
    const row = await this.#db.get<AgentRow>("SELECT * FROM agents WHERE id = $1", [id]);
    return row === undefined ? null : toAgent(row);
  }

  async getByName(projectId: string, name: string): Promise<Agent | null> {
    const row = await this.#db.get<AgentRow>("SELECT * FROM agents WHERE project_id = $1 AND name = $2", [
      projectId,
      name,
    ]);
    return row === undefined ? null : toAgent(row);
  }

  async getWithSiblingId(
    id: string,
    name: string,
  ): Promise<{ agent: Agent; siblingId: string | null } | null> {
    const row = await this.#db.get<AgentRow & { sibling_id: string | null }>(
      `SELECT a.*, s.id AS sibling_id FROM agents a
       LEFT JOIN agents s ON s.project_id = a.project_id AND s.name = $2 WHERE a.id = $1`,
      [id, name],
    );
    return row === undefined ? null : { agent: toAgent(row), siblingId: row.sibling_id };
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<Agent[]> {
    const rows =
      options.projectId === undefined
        ? await this.#db.all<AgentRow>("SELECT * FROM agents WHERE id > $1 ORDER BY id LIMIT $2", [
            options.after ?? "",
            options.limit,
          ])
        : await this.#db.all<AgentRow>(
            "SELECT * FROM agents WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            [options.projectId, options.after ?? "", options.limit],
          );
    return rows.map(toAgent);
  }

  async update(agent: Agent, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      let changed: number;
      try {
        changed = await tx.run(
          `UPDATE agents SET name = $1, model = $2, instructions = $3, metadata = $4, default_branch = $5,
             updated_at = $6 WHERE id = $7`,
          agentUpdateValues(agent),
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(agentNameTaken(agent.name));
        throw error;
      }
      if (changed === 0) {
        // As on SQLite, a name another agent has is the first thing wrong, even with no such agent.
        const taken = await tx.get("SELECT 1 FROM agents WHERE project_id = $1 AND name = $2", [
          agent.projectId,
          agent.name,
        ]);
        if (taken !== undefined) throw new ConflictError(agentNameTaken(agent.name));
        throw new NotFoundError(`agent ${agent.id} not found`);
      }
      await writeEvents(tx, [event]);
    });
  }

  async delete(id: string, event: NewEvent, groupEvents?: (groups: Group[]) => NewEvent[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const groups = groupEvents === undefined ? [] : groupEvents(await groupsOfAgent(tx, id));
      // Foreign keys cascade to everything it owns and to its groups.
      if ((await tx.run("DELETE FROM agents WHERE id = $1", [id])) === 0)
        throw new NotFoundError(`agent ${id} not found`);
      // Its experience version is a setting, out of reach of foreign keys.
      await forgetExperienceVersions(tx, [id]);
      await writeEvents(tx, [event, ...groups]);
    });
    this.#afterDelete(id);
  }
}

/**
 * Writes an agent's row and its history inside `tx` (no events).
 * @throws ConflictError when the id exists or the project has an agent of that name; NotFoundError
 * when the project does not exist.
 */
export async function insertAgent(tx: Sql, agent: Agent, history: HistorySnapshot): Promise<void> {
  let inserted: number;
  try {
    inserted = await insertRows(
      tx,
      `agents (${AGENT_INSERT_COLUMNS})`,
      [agentValues(agent)],
      "ON CONFLICT DO NOTHING",
    );
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new NotFoundError(`project ${agent.projectId} not found`);
    throw error;
  }
  if (inserted === 0) {
    // The id or the name clashed: say which, in SQLite's order (id, project, name).
    if ((await tx.get("SELECT 1 FROM agents WHERE id = $1", [agent.id])) !== undefined)
      throw new ConflictError(`an agent with id ${agent.id} already exists`);
    await requireProject(tx, agent.projectId);
    throw new ConflictError(agentNameTaken(agent.name));
  }
  await insertHistory(tx, agent.id, history, agent.createdAt);
}

/**
 * Sets the agent's instructions inside `tx`, if they are still `change.expected`.
 * @throws ConflictError when they changed since they were read.
 */
export async function setInstructions(tx: Sql, agentId: string, change: InstructionsChange): Promise<void> {
  const changed = await tx.run(
    "UPDATE agents SET instructions = $1, updated_at = $2 WHERE id = $3 AND instructions = $4",
    [change.value, change.updatedAt, agentId, change.expected],
  );
  if (changed === 0)
    throw new ConflictError(
      `agent ${agentId}'s instructions changed since they were read: re-read and retry`,
    );
  await writeEvents(tx, [change.event]);
}
