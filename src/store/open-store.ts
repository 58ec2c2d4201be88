import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { EngramError } from "../core/errors.ts";
import { lazyModule } from "../core/lazy-module.ts";
import { moduleUrl } from "../core/module-url.ts";
import type { SecretBox } from "../core/secret-box.ts";
import type { DatabaseLocation } from "./database-location.ts";
import { createSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

// The PostgreSQL store (and the `pg` driver under it) loads only when a database is PostgreSQL: a
// command on a SQLite file should not pay for it.
const postgres = lazyModule<typeof import("./postgres/postgres-store.ts")>(
  moduleUrl("./postgres/postgres-store", import.meta.url).href,
);

/**
 * Opens the store of a database location: a SQLite file (its folder created when missing) or a
 * PostgreSQL database, which opens in the background (`store.ready()` reports whether it could).
 *
 * @example
 * const store = openStore(parseDatabaseLocation(process.env.ENGRAM_DATABASE_URL ?? ":memory:", "database"));
 * await store.ready();
 */
export function openStore(location: DatabaseLocation, options: { secrets?: SecretBox } = {}): Store {
  if (location.kind === "postgres") {
    return postgres().createPostgresStore({
      url: location.url,
      schema: location.schema,
      max: location.connectionLimit,
      preparedStatements: location.preparedStatements,
      secrets: options.secrets,
    });
  }
  if (location.path !== ":memory:") {
    try {
      mkdirSync(dirname(location.path), { recursive: true });
    } catch (error) {
      throw new EngramError(
        "unavailable",
        `SQLite database ${location.path}: cannot create its folder (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
  }
  return createSqliteStore({ path: location.path, secrets: options.secrets });
}
