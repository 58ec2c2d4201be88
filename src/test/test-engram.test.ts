import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "../store/postgres/test-server.ts";
import { createTestEngram } from "./index.ts";

const fromEnv = process.env.ENGRAM_TEST_DATABASE_URL;

describe("createTestEngram's database", () => {
  it("is PostgreSQL exactly when ENGRAM_TEST_DATABASE_URL names a server", async () => {
    // The service tests' run on PostgreSQL relies on this: their child process sets the variable.
    const engram = createTestEngram();
    try {
      assert.equal(engram.store.kind, fromEnv === undefined || fromEnv === "" ? "sqlite" : "postgres");
      await engram.store.ready();
    } finally {
      await engram.close();
    }
  });

  it("stays on the SQLite file it is given, whatever the environment says", async () => {
    const engram = createTestEngram({ path: ":memory:" });
    try {
      assert.equal(engram.store.kind, "sqlite");
    } finally {
      await engram.close();
    }
  });

  it("refuses path and database together", () => {
    assert.throws(
      () => createTestEngram({ path: ":memory:", database: "postgres://h/db" }),
      /database and path name the same thing/,
    );
  });
});

describe("createTestEngram on PostgreSQL", postgresSkip(), () => {
  // Under the variable (the service tests' run on PostgreSQL) its server is used; else one of our own.
  let server: TestPostgres | undefined;
  let url: string;
  before(async () => {
    if (fromEnv !== undefined && fromEnv !== "") url = fromEnv;
    else {
      server = await sharedTestPostgres();
      url = server.url;
    }
  });
  after(async () => {
    if (fromEnv === undefined) delete process.env.ENGRAM_TEST_DATABASE_URL;
    else process.env.ENGRAM_TEST_DATABASE_URL = fromEnv;
    await server?.stop();
  });

  it("opens a fresh schema for each engram on the server it is given", async () => {
    const first = createTestEngram({ database: url });
    const second = createTestEngram({ database: url });
    try {
      assert.equal(first.store.kind, "postgres");
      await first.store.settings.set("probe", "first");
      assert.equal(await first.store.settings.get("probe"), "first");
      assert.equal(await second.store.settings.get("probe"), null, "the second engram sees its own schema");
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("opens one on the server ENGRAM_TEST_DATABASE_URL names when given no database", async () => {
    process.env.ENGRAM_TEST_DATABASE_URL = url;
    const engram = createTestEngram();
    try {
      assert.equal(engram.store.kind, "postgres");
      await engram.ready();
    } finally {
      await engram.close();
    }
  });
});
