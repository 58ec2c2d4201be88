import type { PgDatabase } from "./pg-database.ts";

/** Where pgvector is installed in the database, and what its version can do. */
export interface PgVectorSupport {
  /** The quoted schema holding the `vector` type, its operators and operator classes. */
  schema: string;
  /** pgvector ≥ 0.8: an HNSW scan with a filter goes on until it has found enough rows. */
  iterativeScans: boolean;
}

/** Serialises servers installing the extension at once (a one-key advisory lock of its own). */
const EXTENSION_LOCK = "7308604897066246402";

/**
 * Finds pgvector, installing it (`CREATE EXTENSION vector`, in `public`, else in engram's schema)
 * when the server has it available but the database does not yet. Runs while the store opens, so it does not wait for
 * `ready()`. Returns why vectors are unavailable instead when they are: the server lacks the
 * extension, or engram's role may not create it.
 */
export async function findPgVector(db: PgDatabase): Promise<PgVectorSupport | { unavailable: string }> {
  return db.transactionNow(async (tx) => {
    await tx.run("SELECT pg_advisory_xact_lock($1)", [EXTENSION_LOCK]);
    const available = await tx.get<{ installed: string | null }>(
      "SELECT installed_version AS installed FROM pg_available_extensions WHERE name = 'vector'",
    );
    if (available === undefined) return { unavailable: "pgvector is not installed on the server" };
    if (available.installed === null) {
      // In `public` where there is one, not in engram's schema: an extension lives in one schema for
      // the whole database, and dropping that schema would take every schema's vectors with it.
      let failure = "";
      for (const where of [" SCHEMA public", ""]) {
        // A savepoint, so that a refusal (no privilege, no such schema) leaves the transaction usable.
        await tx.run("SAVEPOINT create_vector");
        try {
          await tx.run(`CREATE EXTENSION IF NOT EXISTS vector${where}`);
          failure = "";
          break;
        } catch (error) {
          await tx.run("ROLLBACK TO SAVEPOINT create_vector");
          failure ||= (error as Error).message;
        }
      }
      if (failure !== "") return { unavailable: `CREATE EXTENSION vector failed: ${failure}` };
    }
    const row = await tx.get<{ schema: string; version: string }>(
      `SELECT quote_ident(n.nspname) AS schema, e.extversion AS version
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
    );
    if (row === undefined) return { unavailable: "pgvector did not install" };
    const [major = 0, minor = 0] = row.version.split(".").map(Number);
    return { schema: row.schema, iterativeScans: major > 0 || minor >= 8 };
  });
}

/** The start-up warning when vectors are unavailable, worded as SQLite's when sqlite-vec cannot load. */
export function vectorWarning(reason: string): string {
  return `the pgvector extension could not be loaded (${reason}): vector search is unavailable`;
}
