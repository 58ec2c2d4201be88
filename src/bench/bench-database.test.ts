import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { runCli } from "../cli/test-harness.ts";
import { createEngram } from "../engram.ts";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "../store/postgres/test-server.ts";
import { benchDatabase } from "./bench-database.ts";

describe("a benchmark's own database", () => {
  it("is a file in a new folder on SQLite, removed by drop", async () => {
    const fresh = benchDatabase("unit");
    assert.equal(fresh.kind, "sqlite");
    const engram = createEngram({ database: fresh.database, env: {} });
    await engram.close();
    assert.ok((fresh.sizeBytes() ?? 0) > 0);
    await fresh.drop();
    assert.equal(existsSync(fresh.database), false);
  });

  it("refuses a --database that is not a PostgreSQL server, before any run", async () => {
    assert.throws(
      () => benchDatabase("unit", "./bench.db"),
      /^.*--database: a benchmark makes its own database/,
    );
    const outcome = await runCli(["bench", "serve", "--json", "--database", "./bench.db"]);
    assert.equal(outcome.code, 1);
    assert.equal(outcome.json().error.code, "invalid_input");
    const windows = await runCli(["bench", "serve", "--windows", "4"]);
    assert.equal(windows.code, 2);
    assert.match(windows.stderr, /--windows cuts a comparison of backends: it needs --database URL/);
  });
});

describe("a benchmark's own database on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  async function schemas(): Promise<string[]> {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_%'");
      return rows.map((row: { nspname: string }) => row.nspname);
    } finally {
      await client.end();
    }
  }

  it("is a fresh schema on the server, dropped with everything in it at the end", async () => {
    const fresh = benchDatabase("unit", server.url.replace("engram@", "engram:s3cret@"));
    assert.equal(fresh.kind, "postgres");
    assert.equal(fresh.sizeBytes(), null);
    assert.ok(!fresh.label.includes("s3cret"), fresh.label);
    const engram = createEngram({ database: fresh.database, env: {} });
    await engram.ready();
    await engram.close();
    const schema = /schema=(bench_unit_[0-9a-f]{8})/.exec(fresh.database)?.[1];
    assert.ok(schema !== undefined, fresh.database);
    assert.ok((await schemas()).includes(schema), "the schema was made");
    await fresh.drop();
    assert.ok(!(await schemas()).includes(schema), "the schema was dropped");
  });
  it("compares serve on SQLite and PostgreSQL in alternating windows, and leaves no schema behind", async () => {
    const before = await schemas();
    const out = await runCli([
      "bench",
      "serve",
      "--duration",
      "2",
      "--warmup",
      "0",
      "--windows",
      "2",
      "--concurrency",
      "2",
      "--workers",
      "1",
      "--agents",
      "2",
      "--memories",
      "20",
      "--json",
      "--database",
      server.url,
    ]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    assert.equal(result.windows, 2);
    assert.equal(result.sqlite.settings.store, "sqlite");
    assert.equal(result.postgres.settings.store, "postgres");
    for (const run of [result.sqlite, result.postgres]) {
      assert.equal(run.errors.total, 0, JSON.stringify(run.errors));
      for (const op of ["search", "insert", "edit"]) assert.ok(run.operations[op].requests > 0, op);
    }
    assert.equal(
      result.ratio,
      Math.round((result.postgres.throughput / result.sqlite.throughput) * 100) / 100,
    );
    assert.equal(result.postgres.targets.throughput, Math.round(result.sqlite.throughput * 0.6));
    assert.deepEqual(await schemas(), before);
  });
});
