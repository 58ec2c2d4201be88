import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { NewEvent, Project } from "../../core/types.ts";
import { type ProjectRow, toProject } from "../rows/project-row.ts";
import type { ListOptions, ProjectStore } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { isUniqueViolation } from "./sqlite-errors.ts";
import type { Statements } from "./statements.ts";

export class SqliteProjectStore implements ProjectStore {
  readonly #s: Statements;
  readonly #beforeAgentDelete: (agentId: string) => void;

  constructor(statements: Statements, beforeAgentDelete: (agentId: string) => void = () => {}) {
    this.#s = statements;
    this.#beforeAgentDelete = beforeAgentDelete;
  }

  async create(project: Project, event: NewEvent): Promise<void> {
    inTransaction(this.#s.db, () => {
      try {
        this.#s.run(
          "INSERT INTO projects (id, name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
          project.id,
          project.name,
          JSON.stringify(project.metadata),
          project.createdAt,
          project.updatedAt,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`a project named "${project.name}" already exists`);
        throw error;
      }
      writeEvents(this.#s, [event]);
    });
  }

  async get(id: string): Promise<Project | null> {
    const row = this.#s.get<ProjectRow>("SELECT * FROM projects WHERE id = ?", id);
    return row === undefined ? null : toProject(row);
  }

  async getByName(name: string): Promise<Project | null> {
    const row = this.#s.get<ProjectRow>("SELECT * FROM projects WHERE name = ?", name);
    return row === undefined ? null : toProject(row);
  }

  async list(options: ListOptions): Promise<Project[]> {
    return this.#s
      .all<ProjectRow>(
        "SELECT * FROM projects WHERE id > ? ORDER BY id LIMIT ?",
        options.after ?? "",
        options.limit,
      )
      .map(toProject);
  }

  async update(project: Project, event: NewEvent): Promise<void> {
    inTransaction(this.#s.db, () => {
      let changes: number | bigint;
      try {
        changes = this.#s.run(
          "UPDATE projects SET name = ?, metadata = ?, updated_at = ? WHERE id = ?",
          project.name,
          JSON.stringify(project.metadata),
          project.updatedAt,
          project.id,
        ).changes;
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`a project named "${project.name}" already exists`);
        throw error;
      }
      if (Number(changes) === 0) throw new NotFoundError(`project ${project.id} not found`);
      writeEvents(this.#s, [event]);
    });
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    inTransaction(this.#s.db, () => {
      for (const { id: agentId } of this.#s.all<{ id: string }>(
        "SELECT id FROM agents WHERE project_id = ?",
        id,
      )) {
        this.#beforeAgentDelete(agentId);
      }
      const { changes } = this.#s.run("DELETE FROM projects WHERE id = ?", id);
      if (Number(changes) === 0) throw new NotFoundError(`project ${id} not found`);
      writeEvents(this.#s, [event]);
    });
  }
}
