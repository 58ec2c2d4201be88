import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type pg from "pg";
import { freshSchemaName } from "./fresh-schema-name.ts";
import { PgDatabase } from "./pg-database.ts";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/**
 * Transactions on PostgreSQL: BEGIN travels with the first statement and statements given to `defer`
 * with whatever follows them (another statement, or the COMMIT), with the same order, atomicity and
 * errors as one statement at a time.
 */
describe("transactions on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  let db: PgDatabase;
  const table = freshSchemaName();
  /** Round trips on the pool's one connection: each run of writes followed by a reply. */
  let trips = 0;

  before(async () => {
    server = await sharedTestPostgres();
    db = new PgDatabase({ url: server.url, max: 1, statistics: false });
    db.pool.on("connect", (client) => {
      const stream = (client as pg.PoolClient & { connection: { stream: NodeJS.EventEmitter } }).connection
        .stream as NodeJS.EventEmitter & { write: (...args: unknown[]) => boolean };
      let replied = true;
      const write = stream.write.bind(stream);
      stream.write = (...args: unknown[]) => {
        if (replied) trips++;
        replied = false;
        return write(...args);
      };
      // Ahead of the driver's own listener, which may write the next statement as it reads a reply.
      stream.prependListener("data", () => {
        replied = true;
      });
    });
    await db.run(`CREATE TABLE ${table} (id INT PRIMARY KEY, note TEXT NOT NULL)`);
  });

  after(async () => {
    await db?.run(`DROP TABLE IF EXISTS ${table}`);
    await db?.close();
    await server?.stop();
  });

  async function ids(): Promise<number[]> {
    return (await db.all<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((row) => row.id);
  }

  async function countTrips<T>(fn: () => Promise<T>): Promise<{ result: T; trips: number }> {
    await db.run("SELECT 1"); // the connection is open, its set-up not counted
    trips = 0;
    const result = await fn();
    return { result, trips };
  }

  it("sends BEGIN with the first statement and a deferred statement with the COMMIT", async () => {
    await db.run(`DELETE FROM ${table}`);
    const { trips: taken } = await countTrips(() =>
      db.transaction(async (tx) => {
        await tx.run(`INSERT INTO ${table} VALUES (1, 'first')`);
        await tx.defer(`INSERT INTO ${table} VALUES ($1, $2)`, [2, "deferred"]);
      }),
    );
    assert.equal(taken, 2, "BEGIN + first statement, then the deferred one + COMMIT");
    assert.deepEqual(await ids(), [1, 2]);
  });

  it("sends deferred statements before the statement that follows them, in one round trip", async () => {
    await db.run(`DELETE FROM ${table}`);
    const { result, trips: taken } = await countTrips(() =>
      db.transaction(async (tx) => {
        await tx.defer(`INSERT INTO ${table} VALUES (3, 'deferred')`);
        await tx.defer(`UPDATE ${table} SET note = 'updated' WHERE id = 3`);
        return tx.get<{ note: string }>(`SELECT note FROM ${table} WHERE id = 3`);
      }),
    );
    assert.equal(result?.note, "updated", "the statement after them sees both, in order");
    assert.equal(taken, 2, "BEGIN + both deferred statements + the read, then COMMIT");
  });

  it("rolls the whole transaction back when a deferred statement fails, and throws its error", async () => {
    await db.run(`DELETE FROM ${table}`);
    await db.run(`INSERT INTO ${table} VALUES (5, 'kept')`);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run(`INSERT INTO ${table} VALUES (6, 'gone with the rollback')`);
        await tx.defer(`INSERT INTO ${table} VALUES (5, 'a duplicate key')`);
      }),
      (error: { code?: string }) => error.code === "23505",
    );
    assert.deepEqual(await ids(), [5]);
    // The connection is clean for the next transaction.
    await db.transaction(async (tx) => {
      await tx.run(`INSERT INTO ${table} VALUES (7, 'after')`);
    });
    assert.deepEqual(await ids(), [5, 7]);
  });

  it("rolls back when the first statement fails, and sends nothing for a transaction that runs nothing", async () => {
    await db.run(`DELETE FROM ${table}`);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run(`INSERT INTO ${table} VALUES (8, NULL)`);
      }),
      (error: { code?: string }) => error.code === "23502",
    );
    const { result, trips: taken } = await countTrips(() => db.transaction(async () => "nothing ran"));
    assert.equal(result, "nothing ran");
    assert.equal(taken, 0);
    assert.deepEqual(await ids(), []);
  });

  it("outside a transaction, runs a deferred statement at once", async () => {
    await db.run(`DELETE FROM ${table}`);
    await db.defer(`INSERT INTO ${table} VALUES (9, 'now')`);
    assert.deepEqual(await ids(), [9]);
  });
});
