import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "../store/postgres/test-server.ts";
import { chooseDatabase, namesDatabase } from "./database-option.ts";
import { runCli, sandbox } from "./test-harness.ts";

/** A URL of a port on 127.0.0.1 that nothing listens on, with a password that must never be printed. */
async function unreachableUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
  return `postgres://engram:s3cret@127.0.0.1:${port}/engram`;
}

/** One line on stderr, naming the problem, without the password. */
function assertOneLine(stderr: string, problem: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] as string, problem);
  assert.ok(!stderr.includes("s3cret"), stderr);
}

describe("choosing the database", () => {
  it("takes flags over the environment, and ENGRAM_DATABASE_URL over ENGRAM_DB", () => {
    const env = { ENGRAM_DATABASE_URL: "postgres://env/db", ENGRAM_DB: "/tmp/env.db" };
    const none = { db: undefined, database: undefined };
    assert.equal(chooseDatabase({ ...none, database: "/tmp/flag.db" }, env).label, "/tmp/flag.db");
    assert.equal(chooseDatabase({ ...none, db: "/tmp/flag.db" }, env).label, "/tmp/flag.db");
    assert.equal(chooseDatabase({ ...none, database: "postgres://flag/db" }, {}).kind, "postgres");
    assert.equal(chooseDatabase(none, env).label, "postgres://env/db");
    assert.equal(chooseDatabase(none, { ENGRAM_DB: "/tmp/env.db" }).label, "/tmp/env.db");
  });

  it("refuses --database with --db, and a URL that is not PostgreSQL, naming the flag", async () => {
    const both = await runCli(["agent", "list", "--database", "a.db", "--db", "b.db"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--database and --db both name the database/);
    const other = await runCli(["agent", "list", "--json", "--database", "mysql://root:s3cret@h/db"]);
    assert.equal(other.code, 1);
    assert.equal(other.json().error.code, "invalid_input");
    assert.match(other.json().error.message, /^--database must be a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.ok(!other.stdout.includes("s3cret"));
  });

  it("opens a SQLite file named by --database or ENGRAM_DATABASE_URL as --db does", async () => {
    const s = sandbox();
    try {
      await s.ok(["agent", "create", "--name", "helper"]);
      const byFlag = await runCli(["agent", "list", "--json", "--database", s.db]);
      assert.deepEqual(
        byFlag.json().items.map((a: { name: string }) => a.name),
        ["helper"],
      );
      const byEnv = await runCli(["agent", "list", "--json"], { env: { ENGRAM_DATABASE_URL: s.db } });
      assert.equal(byEnv.json().items.length, 1);
      // The flag goes before the command's words too.
      const before = await runCli(["--database", s.db, "agent", "list", "--json"]);
      assert.equal(before.json().items.length, 1);
    } finally {
      s.cleanup();
    }
  });

  it("holds reads to an existing file only for a database the user named, not for the default", () => {
    const none = { db: undefined, database: undefined };
    assert.equal(namesDatabase(none, {}), false);
    assert.equal(namesDatabase(none, { ENGRAM_DB: "" }), false);
    assert.equal(namesDatabase(none, { ENGRAM_DB: "/x/engram.db" }), true);
    assert.equal(namesDatabase(none, { ENGRAM_DATABASE_URL: "/x/engram.db" }), true);
    assert.equal(namesDatabase({ ...none, db: "/x/engram.db" }, {}), true);
    assert.equal(namesDatabase({ ...none, database: "postgres://h/db" }, {}), true);
  });

  it("refuses a SQLite file that does not exist for a command that only reads, creating nothing", async () => {
    const s = sandbox();
    try {
      const typo = join(s.dir, "typo", "engram.db");
      for (const argv of [
        ["agent", "list"],
        ["block", "get", "helper", "persona"],
        ["memory", "search", "helper", "tea"],
        ["log", "helper"],
        ["events"],
        ["export", "helper"],
      ]) {
        const read = await runCli([...argv, "--db", typo, "--json"]);
        assert.equal(read.code, 1, argv.join(" "));
        assert.deepEqual(read.json().error, {
          code: "not_found",
          message: `no database at ${typo}: nothing was ever written there (is the path right?); commands that write create it`,
        });
      }
      const human = await runCli(["agent", "list"], { env: { ENGRAM_DB: typo } });
      assert.match(human.stderr, /^engram: no database at .*typo\/engram\.db: /);
      assert.deepEqual(readdirSync(s.dir), []);
      // A wrong command line is still reported as one first.
      assert.equal((await runCli(["log", "helper", "--limit", "ten", "--db", typo])).code, 2);
      // A command that writes creates it, folders and all; then reads find it.
      await runCli(["agent", "create", "--name", "helper", "--db", typo]);
      assert.equal(existsSync(typo), true);
      assert.equal((await runCli(["agent", "list", "--db", typo, "--json"])).json().items.length, 1);
    } finally {
      s.cleanup();
    }
  });

  it("reports a server it cannot reach in one line without the password, and exits 1", async () => {
    const url = await unreachableUrl();
    const plain = await runCli(["agent", "list", "--database", url]);
    assert.equal(plain.code, 1);
    assertOneLine(
      plain.stderr,
      /^engram: PostgreSQL at postgres:\/\/engram:\*\*\*@127\.0\.0\.1:\d+\/engram: .*ECONNREFUSED/,
    );
    const json = await runCli(["agent", "list", "--json"], { env: { ENGRAM_DATABASE_URL: url } });
    assert.equal(json.code, 1);
    assert.equal(json.json().error.code, "unavailable");
    assert.ok(!json.stdout.includes("s3cret"));
  });

  it("engram serve on a server it cannot reach fails at start, before listening", async () => {
    const outcome = await runCli(["serve", "--port", "0", "--database", await unreachableUrl()], {
      shutdown: () => new Promise(() => {}),
    });
    assert.equal(outcome.code, 1);
    assert.equal(outcome.stdout, "", "it never said it was listening");
    assertOneLine(outcome.stderr, /^engram: PostgreSQL at .*ECONNREFUSED/);
  });
});

describe("opening a PostgreSQL database that cannot serve", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  async function sql(url: string, text: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  }

  it("names a database that does not exist", async () => {
    const outcome = await runCli([
      "agent",
      "list",
      "--database",
      server.url.replace(/\/postgres$/, "/nowhere"),
    ]);
    assert.equal(outcome.code, 1);
    assertOneLine(outcome.stderr, /^engram: PostgreSQL at .*\/nowhere: the database does not exist$/);
  });

  it("names a read-only server", async () => {
    const url = await server.createDatabase();
    await sql(url, `ALTER DATABASE ${new URL(url).pathname.slice(1)} SET default_transaction_read_only = on`);
    const outcome = await runCli(["agent", "list", "--database", url]);
    assert.equal(outcome.code, 1);
    assertOneLine(outcome.stderr, /^engram: PostgreSQL at .*: the server is read-only$/);
  });

  it("refuses a schema newer than the code, in one line", async () => {
    const url = `${await server.createDatabase()}?schema=newer`;
    // The first open migrates the schema; then a newer engram is said to have moved it on.
    const first = await runCli(["agent", "list", "--database", url]);
    assert.doesNotMatch(first.stderr, /database_too_new|newer/, first.stderr);
    await sql(
      url.replace("?schema=newer", ""),
      "INSERT INTO newer.schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', '', '')",
    );
    const outcome = await runCli(["agent", "list", "--json", "--database", url]);
    assert.notEqual(outcome.code, 0);
    assert.equal(outcome.json().error.code, "database_too_new");
    assert.match(outcome.json().error.message, /schema version 999/);
  });
});
