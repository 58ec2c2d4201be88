import { agentNameTaken } from "../../core/agent-names.ts";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Group } from "../../core/group-types.ts";
import type { Agent, NewEvent } from "../../core/types.ts";
import { AGENT_INSERT_COLUMNS, agentUpdateValues, agentValues } from "../rows/agent-values.ts";
import type { AgentStore, HistorySnapshot, ListOptions } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { groupsOfAgent } from "./group-store.ts";
import { insertCommit } from "./history-store.ts";
import { type AgentRow, toAgent } from "./rows.ts";
import type { Statements } from "./statements.ts";

export class SqliteAgentStore implements AgentStore {
  readonly #s: Statements;
  readonly #beforeDelete: (agentId: string) => void;

  /** `beforeDelete` removes what foreign keys cannot cascade to (vector rows). */
  constructor(statements: Statements, beforeDelete: (agentId: string) => void) {
    this.#s = statements;
    this.#beforeDelete = beforeDelete;
  }

  async create(agent: Agent, history: HistorySnapshot, events: NewEvent[]): Promise<void> {
    inTransaction(this.#s.db, () => this.#insert(agent, history, events));
  }

  /**
   * `create`, synchronously, joining the caller's transaction (a unit of work).
   * @throws ConflictError when the id exists or the project has an agent of that name; NotFoundError
   * when the project does not exist.
   */
  insertNow(agent: Agent, history: HistorySnapshot, events: readonly NewEvent[]): void {
    inTransaction(this.#s.db, () => this.#insert(agent, history, events));
  }

  #insert(agent: Agent, history: HistorySnapshot, events: readonly NewEvent[]): void {
    if (this.#s.get("SELECT 1 FROM agents WHERE id = ?", agent.id) !== undefined) {
      throw new ConflictError(`an agent with id ${agent.id} already exists`);
    }
    if (this.#s.get("SELECT 1 FROM projects WHERE id = ?", agent.projectId) === undefined) {
      throw new NotFoundError(`project ${agent.projectId} not found`);
    }
    if (this.#nameTaken(agent)) throw new ConflictError(agentNameTaken(agent.name));
    this.#s.run(
      `INSERT INTO agents (${AGENT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...agentValues(agent),
    );
    for (const blob of history.blobs) {
      this.#s.run(
        "INSERT OR IGNORE INTO blobs (agent_id, hash, value) VALUES (?, ?, ?)",
        agent.id,
        blob.hash,
        blob.value,
      );
    }
    history.commits.forEach((commit, seq) => {
      insertCommit(this.#s, agent.id, commit, seq + 1);
    });
    for (const branch of history.branches) {
      this.#s.run(
        "INSERT INTO branches (agent_id, name, commit_id, updated_at) VALUES (?, ?, ?, ?)",
        agent.id,
        branch.name,
        branch.head,
        agent.createdAt,
      );
    }
    writeEvents(this.#s, events);
  }

  #nameTaken(agent: Agent): boolean {
    return (
      this.#s.get(
        "SELECT 1 FROM agents WHERE project_id = ? AND name = ? AND id <> ?",
        agent.projectId,
        agent.name,
        agent.id,
      ) !== undefined
    );
  }

  async getByName(projectId: string, name: string): Promise<Agent | null> {
    const row = this.#s.get<AgentRow>(
      "SELECT * FROM agents WHERE project_id = ? AND name = ?",
      projectId,
      name,
    );
    return row === undefined ? null : toAgent(row);
  }

  async getWithSiblingId(
    id: string,
    name: string,
  ): Promise<{ agent: Agent; siblingId: string | null } | null> {
    const row = this.#s.get<AgentRow & { sibling_id: string | null }>(
      `SELECT a.*, s.id AS sibling_id FROM agents a
       LEFT JOIN agents s ON s.project_id = a.project_id AND s.name = ? WHERE a.id = ?`,
      name,
      id,
    );
    return row === undefined ? null : { agent: toAgent(row), siblingId: row.sibling_id };
  }

  async get(id: string): Promise<Agent | null> {
    const row = this.#s.get<AgentRow>("SELECT * FROM agents WHERE id = ?", id);
    return row === undefined ? null : toAgent(row);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<Agent[]> {
    const rows =
      options.projectId === undefined
        ? this.#s.all<AgentRow>(
            "SELECT * FROM agents WHERE id > ? ORDER BY id LIMIT ?",
            options.after ?? "",
            options.limit,
          )
        : this.#s.all<AgentRow>(
            "SELECT * FROM agents WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?",
            options.projectId,
            options.after ?? "",
            options.limit,
          );
    return rows.map(toAgent);
  }

  async update(agent: Agent, event: NewEvent): Promise<void> {
    inTransaction(this.#s.db, () => {
      if (this.#nameTaken(agent)) throw new ConflictError(agentNameTaken(agent.name));
      const { changes } = this.#s.run(
        `UPDATE agents SET name = ?, model = ?, instructions = ?, metadata = ?, default_branch = ?, updated_at = ?
         WHERE id = ?`,
        ...agentUpdateValues(agent),
      );
      if (Number(changes) === 0) throw new NotFoundError(`agent ${agent.id} not found`);
      writeEvents(this.#s, [event]);
    });
  }

  /**
   * Sets the agent's instructions if they are still `expected`, joining the caller's transaction.
   * @throws ConflictError when they changed since they were read.
   */
  setInstructionsNow(
    agentId: string,
    change: { value: string; expected: string; updatedAt: string; event: NewEvent },
  ): void {
    inTransaction(this.#s.db, () => {
      const { changes } = this.#s.run(
        "UPDATE agents SET instructions = ?, updated_at = ? WHERE id = ? AND instructions = ?",
        change.value,
        change.updatedAt,
        agentId,
        change.expected,
      );
      if (Number(changes) === 0)
        throw new ConflictError(
          `agent ${agentId}'s instructions changed since they were read: re-read and retry`,
        );
      writeEvents(this.#s, [change.event]);
    });
  }

  async delete(id: string, event: NewEvent, groupEvents?: (groups: Group[]) => NewEvent[]): Promise<void> {
    inTransaction(this.#s.db, () => {
      this.#beforeDelete(id);
      const groups = groupEvents === undefined ? [] : groupEvents(groupsOfAgent(this.#s, id));
      // Foreign keys cascade to commits, blobs, branches, memories, messages and the agent's groups.
      const { changes } = this.#s.run("DELETE FROM agents WHERE id = ?", id);
      if (Number(changes) === 0) throw new NotFoundError(`agent ${id} not found`);
      writeEvents(this.#s, [event, ...groups]);
    });
  }
}
