import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { ApiKey, NewEvent } from "../../core/types.ts";
import { KEY_COLUMNS, KEY_PUBLIC_COLUMNS, type KeyRow, keyValues, toApiKey } from "../rows/key-row.ts";
import type { KeyStore, ListOptions, StoredApiKey } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

export class SqliteKeyStore implements KeyStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async create(key: StoredApiKey, event: NewEvent): Promise<void> {
    inTransaction(this.#s.db, () => {
      if (this.#s.get("SELECT 1 FROM projects WHERE id = ?", key.projectId) === undefined)
        throw new NotFoundError(`project ${key.projectId} not found`);
      if (this.#s.get("SELECT 1 FROM api_keys WHERE id = ?", key.id) !== undefined)
        throw new ConflictError(`a key with id ${key.id} already exists`);
      this.#s.run(`INSERT INTO api_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ...keyValues(key));
      writeEvents(this.#s, [event]);
    });
  }

  async get(id: string): Promise<StoredApiKey | null> {
    const row = this.#s.get<KeyRow>("SELECT * FROM api_keys WHERE id = ?", id);
    return row === undefined ? null : { ...toApiKey(row), secretHash: row.secret_hash };
  }

  async list(
    options: ListOptions & { projectId?: string | undefined; includeRevoked?: boolean | undefined },
  ): Promise<ApiKey[]> {
    const where = ["id > ?"];
    const params: string[] = [options.after ?? ""];
    if (options.projectId !== undefined) {
      where.push("project_id = ?");
      params.push(options.projectId);
    }
    if (options.includeRevoked !== true) where.push("revoked_at IS NULL");
    return this.#s
      .all<KeyRow>(
        `SELECT ${KEY_PUBLIC_COLUMNS} FROM api_keys WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`,
        ...params,
        options.limit,
      )
      .map(toApiKey);
  }

  async revoke(id: string, at: string, event: NewEvent): Promise<boolean> {
    return inTransaction(this.#s.db, () => {
      const row = this.#s.get<{ revoked_at: string | null }>(
        "SELECT revoked_at FROM api_keys WHERE id = ?",
        id,
      );
      if (row === undefined) throw new NotFoundError(`key ${id} not found`);
      if (row.revoked_at !== null) return false;
      this.#s.run("UPDATE api_keys SET revoked_at = ? WHERE id = ?", at, id);
      writeEvents(this.#s, [event]);
      return true;
    });
  }

  async touch(id: string, at: string): Promise<void> {
    this.#s.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", at, id);
  }

  async countActive(projectId?: string): Promise<number> {
    const row =
      projectId === undefined
        ? this.#s.get<{ n: number }>("SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL")
        : this.#s.get<{ n: number }>(
            "SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL AND project_id = ?",
            projectId,
          );
    return row?.n ?? 0;
  }
}
