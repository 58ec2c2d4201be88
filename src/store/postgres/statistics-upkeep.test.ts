import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshSchemaName } from "./fresh-schema-name.ts";
import { PgDatabase } from "./pg-database.ts";
import { StatisticsUpkeep } from "./statistics-upkeep.ts";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 120));

describe("statistics upkeep", () => {
  it("analyses a table once its inserts reach the minimum, then after each growth by the share", async () => {
    const calls: string[] = [];
    const upkeep = new StatisticsUpkeep(
      async (table) => {
        calls.push(table);
        return 10;
      },
      { minRows: 10, growth: 0.5 },
    );
    upkeep.noteStatement("INSERT INTO memories (id) VALUES ($1)", 9);
    upkeep.noteStatement("UPDATE memories SET text = $1", 50);
    upkeep.noteStatement("SELECT * FROM memories", 50);
    await settle();
    assert.deepEqual(calls, []);
    upkeep.noteStatement("  insert into memories (id) VALUES ($1)", 1);
    await settle();
    assert.deepEqual(calls, ["memories"]);
    // 10 rows known now: the next analysis waits for max(10, 10 × 0.5) more rows.
    upkeep.noteStatement("INSERT INTO memories (id) VALUES ($1)", 9);
    upkeep.noteStatement("INSERT INTO events (id) VALUES ($1)", 3);
    await settle();
    assert.deepEqual(calls, ["memories"]);
    upkeep.noteStatement("INSERT INTO memories (id) VALUES ($1)", 1);
    await settle();
    assert.deepEqual(calls, ["memories", "memories"]);
    await upkeep.close();
  });

  it("finishes the analyses already due when closed, so a loader that exits leaves fitting statistics", async () => {
    const calls: string[] = [];
    const upkeep = new StatisticsUpkeep(
      async (table) => {
        calls.push(table);
        return 0;
      },
      { minRows: 1 },
    );
    upkeep.noteStatement("INSERT INTO memories VALUES (1)", 5);
    upkeep.noteStatement("INSERT INTO memory_postings VALUES (1)", 5);
    await upkeep.close();
    assert.deepEqual(calls.sort(), ["memories", "memory_postings"]);
  });

  it("leaves a table it cannot analyse to autovacuum, and starts nothing after close", async () => {
    const calls: string[] = [];
    const upkeep = new StatisticsUpkeep(
      async (table) => {
        calls.push(table);
        if (table === "theirs") throw new Error("must be owner of table theirs");
        return 0;
      },
      { minRows: 1 },
    );
    upkeep.noteStatement("INSERT INTO theirs VALUES (1)", 5);
    await settle();
    upkeep.noteStatement("INSERT INTO theirs VALUES (1)", 5);
    await settle();
    assert.deepEqual(calls, ["theirs"]);
    await upkeep.close();
    upkeep.noteStatement("INSERT INTO ours VALUES (1)", 5);
    await settle();
    assert.deepEqual(calls, ["theirs"]);
  });
});

/** How many times a table of the schema has been analysed. */
async function analyseCount(db: PgDatabase, schema: string, table: string): Promise<number | undefined> {
  return (
    await db.get<{ n: number }>(
      "SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2",
      [schema, table],
    )
  )?.n;
}

/** The analysis count once it is above 0 (the upkeep runs in the background), or 0 after about 6 s. */
async function firstAnalysis(analyses: () => Promise<number | undefined>): Promise<number> {
  let count = 0;
  for (let i = 0; i < 50 && count === 0; i++) {
    await settle();
    count = (await analyses()) ?? 0;
  }
  return count;
}

describe("statistics upkeep on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it("analyses a table the pool's inserts grew, off the inserting call's path", async () => {
    const schema = freshSchemaName();
    const db = new PgDatabase({ url: server.url, schema, statistics: { minRows: 500 } });
    try {
      await db.run(`CREATE SCHEMA ${schema}`);
      await db.run("CREATE TABLE grown (id int PRIMARY KEY, text text) WITH (autovacuum_enabled = false)");
      const analyses = () => analyseCount(db, schema, "grown");
      await db.run("INSERT INTO grown SELECT i, 'row ' || i FROM generate_series(1, 400) i");
      await settle();
      assert.equal(await analyses(), 0);
      await db.run("INSERT INTO grown SELECT i, 'row ' || i FROM generate_series(401, 600) i");
      assert.equal(await firstAnalysis(analyses), 1);
      const stats = await db.get<{ rows: number }>(
        "SELECT reltuples::int AS rows FROM pg_class WHERE oid = to_regclass('grown')",
      );
      assert.equal(stats?.rows, 600);
    } finally {
      await db.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close();
    }
  });

  it("counts the rows a statement says it adds, for inserts inside WITH that its text does not show", async () => {
    const schema = freshSchemaName();
    const db = new PgDatabase({ url: server.url, schema, statistics: { minRows: 500 } });
    try {
      await db.run(`CREATE SCHEMA ${schema}`);
      await db.run("CREATE TABLE beside (id int PRIMARY KEY) WITH (autovacuum_enabled = false)");
      const analyses = () => analyseCount(db, schema, "beside");
      const write = (from: number, options?: { adds: Record<string, number> }) =>
        db.run(
          `WITH added AS (INSERT INTO beside SELECT i FROM generate_series($1::int, $1::int + 599) i RETURNING 1)
           SELECT COUNT(*) FROM added`,
          [from],
          options,
        );
      await write(1);
      await settle();
      assert.equal(await analyses(), 0, "unsaid: not counted");
      await write(601, { adds: { beside: 600 } });
      assert.equal(await firstAnalysis(analyses), 1);
    } finally {
      await db.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close();
    }
  });
});
