import pg from "pg";
import { connected } from "./copy-undo.ts";
import { redactUrl } from "./pg-errors.ts";

/** Some of what an engram schema holds: its first project names by id, and its setting keys. */
export interface SchemaContents {
  projects: string[];
  settings: string[];
}

/**
 * Reads what engram data a schema holds with a plain connection, so that nothing is migrated or
 * created: a schema without engram's tables holds none. At most `projects` project names are read.
 *
 * @throws EngramError `unavailable` when the server cannot be reached.
 */
export async function readSchemaContents(
  url: string,
  schema: string,
  projects: number,
): Promise<SchemaContents> {
  return connected(url, redactUrl(url), async (client) => {
    const found = await client.query<{ engram: boolean }>(
      `SELECT to_regclass(format('%I.schema_migrations', $1::text)) IS NOT NULL
          AND to_regclass(format('%I.projects', $1::text)) IS NOT NULL
          AND to_regclass(format('%I.settings', $1::text)) IS NOT NULL AS engram`,
      [schema],
    );
    if (found.rows[0]?.engram !== true) return { projects: [], settings: [] };
    const at = pg.escapeIdentifier(schema);
    const names = await client.query<{ name: string }>(
      `SELECT name FROM ${at}.projects ORDER BY id LIMIT $1`,
      [projects],
    );
    const keys = await client.query<{ key: string }>(`SELECT key FROM ${at}.settings ORDER BY key`);
    return { projects: names.rows.map((row) => row.name), settings: keys.rows.map((row) => row.key) };
  });
}
