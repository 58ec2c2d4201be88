import pg from "pg";
import { describeConnectionError, redactUrl } from "./pg-errors.ts";

/** Takes away what a copy wrote; resolves to what it left behind, or null when it left nothing. */
export type UndoCopy = () => Promise<string | null>;

/**
 * Looks at the schema a copy is about to write into, and returns how to take the copy away if it
 * fails or is interrupted. A schema the copy creates is dropped. In a schema without engram's tables
 * (a new database's `public`), the tables and functions the copy created are dropped. A schema that
 * already held engram's tables (an empty engram database) is left as it is: the copy's rows cannot be
 * told from the rest there without reading them, so the undo names what to do instead.
 *
 * @throws EngramError `unavailable` when the server cannot be reached.
 */
export async function prepareCopyUndo(url: string, schema: string): Promise<UndoCopy> {
  const where = redactUrl(url);
  const before = await connected(url, where, async (client) => {
    const found = await client.query<{ engram: boolean }>(
      "SELECT to_regclass(format('%I.schema_migrations', nspname)) IS NOT NULL AS engram FROM pg_namespace WHERE nspname = $1",
      [schema],
    );
    const row = found.rows[0];
    if (row === undefined) return { kind: "absent" as const };
    if (row.engram) return { kind: "engram" as const };
    return { kind: "foreign" as const, objects: await ownObjects(client, schema) };
  });
  if (before.kind === "engram")
    return async () =>
      `schema ${schema} of ${where} holds the part copied: drop its tables (or copy into a new schema with ?schema=NAME, or a new database) and copy again`;
  return async () => {
    try {
      await connected(url, where, async (client) => {
        if (before.kind === "absent") {
          await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
          return;
        }
        const added = (await ownObjects(client, schema)).filter((drop) => !before.objects.includes(drop));
        await client.query("BEGIN");
        for (const drop of added) await client.query(drop);
        await client.query("COMMIT");
      });
      return null;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return `schema ${schema} of ${where} holds the part copied, which could not be dropped (${reason}): drop what engram created there and copy again`;
    }
  };
}

/**
 * The tables and functions of a schema, each as the statement that drops it, leaving out those of
 * extensions (pgvector's, which a copy may install, and which may stay).
 */
async function ownObjects(client: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ statement: string }>(
    `SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', n.nspname, c.relname) AS statement
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
     UNION ALL
     SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE', n.nspname, p.proname,
                   pg_get_function_identity_arguments(p.oid))
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    [schema],
  );
  return rows.map((row) => row.statement);
}

/** Runs `use` on a connection of its own, closed after; a failure to connect names the server (`where`). */
export async function connected<T>(
  url: string,
  where: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return await use(client);
  } catch (error) {
    throw describeConnectionError(error, where);
  } finally {
    await client.end().catch(() => {});
  }
}
