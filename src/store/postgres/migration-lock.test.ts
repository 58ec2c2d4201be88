import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { currentPgVersion, MIGRATION_LOCK, migratePostgres, PG_MIGRATIONS } from "./migrations.ts";
import { PgDatabase } from "./pg-database.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

const LATEST = PG_MIGRATIONS.at(-1)?.version ?? 0;

describe("PostgreSQL migrations under their advisory lock", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  /** A database of the schema whose opening migrates nothing by itself: the test migrates it. */
  const open = (schema: string) => {
    const db = new PgDatabase({ url: server.url, schema, statistics: false });
    db.setReady(async () => {});
    return db;
  };

  /** Holds the migration lock of `schema` from another connection until the returned function is called. */
  async function holdLock(schema: string): Promise<() => Promise<void>> {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("BEGIN");
    // The lock a migration of `schema` takes: the same two keys.
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK, schema]);
    return async () => {
      await client.query("COMMIT");
      await client.end();
    };
  }

  it("migrate a schema once when servers start on it together", async () => {
    const schema = freshSchemaName();
    const dbs = [open(schema), open(schema), open(schema)];
    try {
      const applied = await Promise.all(dbs.map((db) => migratePostgres(db)));
      // One of them applied every version; the others found them applied.
      assert.deepEqual(
        applied.map((versions) => versions.length).sort((a, b) => a - b),
        [0, 0, PG_MIGRATIONS.length],
      );
      const rows = await (dbs[0] as PgDatabase).all<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      );
      assert.deepEqual(
        rows.map((r) => r.version),
        PG_MIGRATIONS.map((m) => m.version),
      );
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it("let a schema migrate while another schema's migration holds its lock, and make that one wait", async () => {
    const held = freshSchemaName();
    const other = freshSchemaName();
    const release = await holdLock(held);
    const waiting = open(held);
    const free = open(other);
    try {
      let done = false;
      const blocked = migratePostgres(waiting).then((versions) => {
        done = true;
        return versions;
      });
      // The other schema migrates in full while the first one's lock is held.
      assert.equal((await migratePostgres(free)).length, PG_MIGRATIONS.length);
      assert.equal(await currentPgVersion(free), LATEST);
      assert.equal(done, false, "the held schema's migration waited for its lock");
      await release();
      assert.equal((await blocked).length, PG_MIGRATIONS.length);
    } finally {
      await Promise.all([waiting.close(), free.close()]);
    }
  });
});
