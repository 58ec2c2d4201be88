import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where the CLI and server keep their database unless told otherwise: `ENGRAM_DB`, else
 * `~/.engram/engram.db`. Kept apart from the engine so the CLI can name the file without loading it.
 *
 * @example
 * defaultDatabasePath({ ENGRAM_DB: "/tmp/e.db" }); // "/tmp/e.db"
 */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ENGRAM_DB !== undefined && env.ENGRAM_DB !== ""
    ? env.ENGRAM_DB
    : join(homedir(), ".engram", "engram.db");
}
