import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { NewEvent, Project } from "../../core/types.ts";
import { type ProjectRow, toProject } from "../rows/project-row.ts";
import type { ListOptions, ProjectStore } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { forgetExperienceVersions } from "./learning-store.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { isUniqueViolation } from "./pg-errors.ts";

/** Projects on PostgreSQL. Deleting one cascades (foreign keys) to its keys, webhooks and agents. */
export class PgProjectStore implements ProjectStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async create(project: Project, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await nameTakenIsConflict(project, () =>
        tx.run(
          "INSERT INTO projects (id, name, metadata, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
          [project.id, project.name, JSON.stringify(project.metadata), project.createdAt, project.updatedAt],
        ),
      );
      await writeEvents(tx, [event]);
    });
  }

  async get(id: string): Promise<Project | null> {
    return this.#one(this.#db, "id", id);
  }

  async getByName(name: string): Promise<Project | null> {
    return this.#one(this.#db, "name", name);
  }

  async list(options: ListOptions): Promise<Project[]> {
    const rows = await this.#db.all<ProjectRow>("SELECT * FROM projects WHERE id > $1 ORDER BY id LIMIT $2", [
      options.after ?? "",
      options.limit,
    ]);
    return rows.map(toProject);
  }

  async update(project: Project, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const changed = await nameTakenIsConflict(project, () =>
        tx.run("UPDATE projects SET name = $1, metadata = $2, updated_at = $3 WHERE id = $4", [
          project.name,
          JSON.stringify(project.metadata),
          project.updatedAt,
          project.id,
        ]),
      );
      if (changed === 0) throw new NotFoundError(`project ${project.id} not found`);
      await writeEvents(tx, [event]);
    });
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const agents = await tx.all<{ id: string }>("SELECT id FROM agents WHERE project_id = $1", [id]);
      if ((await tx.run("DELETE FROM projects WHERE id = $1", [id])) === 0)
        throw new NotFoundError(`project ${id} not found`);
      // Its agents' experience versions are settings, out of reach of foreign keys.
      await forgetExperienceVersions(
        tx,
        agents.map((agent) => agent.id),
      );
      await writeEvents(tx, [event]);
    });
  }

  async #one(sql: Sql, column: "id" | "name", value: string): Promise<Project | null> {
    const row = await sql.get<ProjectRow>(`SELECT * FROM projects WHERE ${column} = $1`, [value]);
    return row === undefined ? null : toProject(row);
  }
}

/** Runs a write of `project`'s row; a unique violation (only the name can clash) is a ConflictError. */
async function nameTakenIsConflict(project: Project, write: () => Promise<number>): Promise<number> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`a project named "${project.name}" already exists`);
    throw error;
  }
}

/**
 * Inside a transaction: @throws NotFoundError when the project does not exist; else keeps it from
 * being deleted until the transaction ends (the lock a foreign key check takes), so a row of it can
 * be written next. Checked before a row's own id, as SQLite does.
 */
export async function requireProject(tx: Sql, projectId: string): Promise<void> {
  if ((await tx.get("SELECT 1 FROM projects WHERE id = $1 FOR KEY SHARE", [projectId])) === undefined)
    throw new NotFoundError(`project ${projectId} not found`);
}
