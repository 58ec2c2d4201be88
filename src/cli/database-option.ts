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
