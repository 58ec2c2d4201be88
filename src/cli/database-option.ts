import { existsSync } from "node:fs";
import { NotFoundError } from "../core/errors.ts";
import {
  type DatabaseLocation,
  defaultDatabaseLocation,
  parseDatabaseLocation,
} from "../store/database-location.ts";
import { UsageError } from "./usage-error.ts";

/**
 * The database a command runs on. Flags come before the environment: `--database URL_OR_PATH`, else
 * `--db PATH`, else `ENGRAM_DATABASE_URL`, else `ENGRAM_DB`, else `~/.engram/engram.db`. Both flags
 * at once is a wrong command line, even when they agree.
 *
 * @throws UsageError when both `--database` and `--db` are given.
 * @throws InvalidInputError naming the flag or variable whose value is not a database.
 */
export function chooseDatabase(
  flags: { db: string | undefined; database: string | undefined },
  env: NodeJS.ProcessEnv,
  command?: string,
): DatabaseLocation {
  if (flags.database !== undefined && flags.db !== undefined)
    throw new UsageError("--database and --db both name the database: give one of them", command);
  if (flags.database !== undefined) return parseDatabaseLocation(flags.database, "--database");
  if (flags.db !== undefined) return parseDatabaseLocation(flags.db, "--db");
  return defaultDatabaseLocation(env);
}

/**
 * Whether the command line or the environment names the database (`--database`, `--db`,
 * `ENGRAM_DATABASE_URL`, `ENGRAM_DB`), rather than leaving it to the default `~/.engram/engram.db`.
 */
export function namesDatabase(
  flags: { db: string | undefined; database: string | undefined },
  env: NodeJS.ProcessEnv,
): boolean {
  return (
    flags.database !== undefined ||
    flags.db !== undefined ||
    (env.ENGRAM_DATABASE_URL ?? "") !== "" ||
    (env.ENGRAM_DB ?? "") !== ""
  );
}

/**
 * Refuses a SQLite file that does not exist, for a command that only reads: opening it would create
 * the file (and its folders) and answer "nothing there", hiding a mistyped path.
 *
 * @throws NotFoundError naming the path.
 */
export function requireExistingDatabase(location: DatabaseLocation): void {
  if (location.kind !== "sqlite" || location.path === ":memory:" || existsSync(location.path)) return;
  throw new NotFoundError(
    `no database at ${location.label}: nothing was ever written there (is the path right?); commands that write create it`,
  );
}
