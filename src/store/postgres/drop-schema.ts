import pg from "pg";
import { describeConnectionError, redactUrl } from "./pg-errors.ts";

/**
 * Drops a schema and everything in it (e.g. a benchmark's throwaway database), on a connection of its
 * own. Nothing happens when there is no such schema.
 */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } catch (error) {
    throw describeConnectionError(error, redactUrl(url));
  } finally {
    await client.end().catch(() => {});
  }
}
