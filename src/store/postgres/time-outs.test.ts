import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { EngramError } from "../../core/errors.ts";
import type { Store } from "../store.ts";
import { createPostgresStore } from "./postgres-store.ts";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/**
 * A lock or statement time-out an operator set for engram's connections (docs/operations.md): the
 * statement it cuts is answered as `unavailable`, naming the setting, and the store goes on working
 * once the lock is gone.
 */
describe("PostgreSQL: time-outs set on the database", postgresSkip(), () => {
  let server: TestPostgres;
  let store: Store | undefined;
  let admin: pg.Client | undefined;

  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await store?.close();
    await admin?.end();
    await server?.stop();
  });

  it("answers a lock not granted within lock_timeout as unavailable, naming it, then serves again", async () => {
    const url = await server.createDatabase();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const database = new URL(url).pathname.slice(1);
    await admin.query(`ALTER DATABASE "${database}" SET lock_timeout = '300ms'`);
    store = createPostgresStore({ url });
    await store.ready();
    await store.settings.set("k", "v");

    await admin.query("BEGIN");
    await admin.query("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE");
    await assert.rejects(
      store.settings.get("k"),
      (error: unknown) =>
        EngramError.isInstance(error) &&
        error.code === "unavailable" &&
        /a lock was not granted within lock_timeout/.test(error.message),
    );
    await admin.query("ROLLBACK");
    assert.equal(await store.settings.get("k"), "v");
  });
});
