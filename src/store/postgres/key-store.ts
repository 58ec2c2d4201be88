import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { ApiKey, NewEvent } from "../../core/types.ts";
import { KEY_COLUMNS, KEY_PUBLIC_COLUMNS, type KeyRow, keyValues, toApiKey } from "../rows/key-row.ts";
import type { KeyStore, ListOptions, StoredApiKey } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase } from "./pg-database.ts";
import { requireProject } from "./project-store.ts";

/** API keys on PostgreSQL (their secrets' hashes only). */
export class PgKeyStore implements KeyStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async create(key: StoredApiKey, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await requireProject(tx, key.projectId);
      const inserted = await insertRows(
        tx,
        `api_keys (${KEY_COLUMNS})`,
        [keyValues(key)],
        "ON CONFLICT DO NOTHING",
      );
      if (inserted === 0) throw new ConflictError(`a key with id ${key.id} already exists`);
      await writeEvents(tx, [event]);
    });
  }

  async get(id: string): Promise<StoredApiKey | null> {
    const row = await this.#db.get<KeyRow>("SELECT * FROM api_keys WHERE id = $1", [id]);
    return row === undefined ? null : { ...toApiKey(row), secretHash: row.secret_hash };
  }

  async list(
    options: ListOptions & { projectId?: string | undefined; includeRevoked?: boolean | undefined },
  ): Promise<ApiKey[]> {
    const params: unknown[] = [options.after ?? ""];
    const where = ["id > $1"];
    if (options.projectId !== undefined) {
      params.push(options.projectId);
      where.push(`project_id = $${params.length}`);
    }
    if (options.includeRevoked !== true) where.push("revoked_at IS NULL");
    params.push(options.limit);
    const rows = await this.#db.all<KeyRow>(
      `SELECT ${KEY_PUBLIC_COLUMNS} FROM api_keys WHERE ${where.join(" AND ")} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toApiKey);
  }

  async revoke(id: string, at: string, event: NewEvent): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      // Conditional, so that of two servers revoking at once only one writes the event.
      if (
        (await tx.run("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [
          at,
          id,
        ])) === 1
      ) {
        await writeEvents(tx, [event]);
        return true;
      }
      if ((await tx.get("SELECT 1 FROM api_keys WHERE id = $1", [id])) === undefined)
        throw new NotFoundError(`key ${id} not found`);
      return false;
    });
  }

  async touch(id: string, at: string): Promise<void> {
    await this.#db.run("UPDATE api_keys SET last_used_at = $1 WHERE id = $2", [at, id]);
  }

  async countActive(projectId?: string): Promise<number> {
    const row =
      projectId === undefined
        ? await this.#db.get<{ n: number }>("SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL")
        : await this.#db.get<{ n: number }>(
            "SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL AND project_id = $1",
            [projectId],
          );
    return row?.n ?? 0;
  }
}
