import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PgDatabase } from "./pg-database.ts";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/** Statements marked `prepare` stay prepared on their connection, unless the URL turned that off. */
describe("prepared statements on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  /** How many statements the connection that ran one prepared statement keeps prepared. */
  async function preparedAfterOne(db: PgDatabase): Promise<number> {
    try {
      return await db.transaction(async (tx) => {
        const [row] = await tx.all<{ n: number }>("SELECT $1::int + 1 AS n", [41], { prepare: true });
        assert.equal(row?.n, 42);
        return (
          (await tx.get<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_prepared_statements"))?.n ?? -1
        );
      });
    } finally {
      await db.close();
    }
  }

  it("keeps a statement marked prepare prepared on its connection", async () => {
    assert.equal(await preparedAfterOne(new PgDatabase({ url: server.url })), 1);
  });

  it("prepares nothing with prepared_statements=false (for poolers that cannot track them)", async () => {
    assert.equal(await preparedAfterOne(new PgDatabase({ url: server.url, preparedStatements: false })), 0);
  });
});
