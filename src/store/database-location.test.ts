import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EngramError } from "../core/errors.ts";
import { createEngram } from "../engram.ts";
import {
  defaultDatabaseLocation,
  formatDatabaseLocation,
  parseDatabaseLocation,
} from "./database-location.ts";

function invalid(value: string, field: string, message: RegExp): void {
  assert.throws(
    () => parseDatabaseLocation(value, field),
    (error: unknown) => {
      assert.ok(EngramError.isInstance(error));
      assert.equal(error.code, "invalid_input");
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(field), `names ${field}: ${error.message}`);
      assert.ok(!error.message.includes("s3cret"), `no password: ${error.message}`);
      return true;
    },
  );
}

describe("database locations", () => {
  it("reads a path as a SQLite file, and postgres:// or postgresql:// as PostgreSQL", () => {
    assert.deepEqual(parseDatabaseLocation("./agents.db", "--db"), {
      kind: "sqlite",
      path: "./agents.db",
      label: "./agents.db",
    });
    assert.equal(parseDatabaseLocation(":memory:", "database").kind, "sqlite");
    assert.equal(parseDatabaseLocation("C:\\data\\engram.db", "database").kind, "sqlite");
    for (const url of ["postgres://h/db", "postgresql://h/db", "POSTGRES://h/db"]) {
      assert.equal(parseDatabaseLocation(url, "database").kind, "postgres", url);
    }
  });

  it("takes schema, connection_limit and prepared_statements out of the URL and leaves the rest to the driver", () => {
    const location = parseDatabaseLocation(
      "postgres://engram:s3cret@db.internal:5433/engram?sslmode=require&schema=agents&connection_limit=20&prepared_statements=false",
      "--database",
    );
    assert.deepEqual(location, {
      kind: "postgres",
      url: "postgres://engram:s3cret@db.internal:5433/engram?sslmode=require",
      schema: "agents",
      connectionLimit: 20,
      preparedStatements: false,
      label:
        "postgres://engram:***@db.internal:5433/engram?sslmode=require&schema=agents&connection_limit=20&prepared_statements=false",
    });
    assert.equal(
      formatDatabaseLocation(location),
      "postgres://engram:s3cret@db.internal:5433/engram?sslmode=require&schema=agents&connection_limit=20&prepared_statements=false",
    );
    const on = parseDatabaseLocation("postgres://h/db?prepared_statements=true", "database");
    assert.equal(on.kind === "postgres" && on.preparedStatements, true);
    const plain = parseDatabaseLocation("postgres://h/db", "database");
    assert.deepEqual(plain, {
      kind: "postgres",
      url: "postgres://h/db",
      schema: undefined,
      connectionLimit: undefined,
      preparedStatements: undefined,
      label: "postgres://h/db",
    });
    assert.equal(formatDatabaseLocation(plain), "postgres://h/db");
  });

  it("refuses other schemes, bad parameters and empty values, naming the field and never the password", () => {
    invalid(
      "mysql://root:s3cret@h/db",
      "--database",
      /postgres:\/\/ or postgresql:\/\/ URL or a SQLite file path, got a mysql:\/\/ URL/,
    );
    invalid("https://h/db", "ENGRAM_DATABASE_URL", /got a https:\/\/ URL/);
    invalid("", "--database", /must not be empty/);
    invalid("postgres://u:s3cret@h:notaport/db", "--database", /not a valid PostgreSQL URL/);
    invalid(
      "postgres://u:s3cret@h/db?schema=Agents",
      "database",
      /schema must be a plain lower-case SQL name/,
    );
    invalid("postgres://u:s3cret@h/db?schema=a;drop", "database", /schema must be/);
    invalid(
      "postgres://u:s3cret@h/db?connection_limit=0",
      "database",
      /connection_limit must be an integer from 1 to 1000, got "0"/,
    );
    invalid("postgres://u:s3cret@h/db?connection_limit=ten", "database", /connection_limit/);
    invalid(
      "postgres://u:s3cret@h/db?prepared_statements=no",
      "database",
      /prepared_statements must be true or false, got "no"/,
    );
  });

  it("defaults to ENGRAM_DATABASE_URL, else ENGRAM_DB, else ~/.engram/engram.db", () => {
    assert.equal(
      defaultDatabaseLocation({ ENGRAM_DATABASE_URL: "postgres://h/db", ENGRAM_DB: "/tmp/e.db" }).kind,
      "postgres",
    );
    assert.deepEqual(defaultDatabaseLocation({ ENGRAM_DATABASE_URL: "", ENGRAM_DB: "/tmp/e.db" }), {
      kind: "sqlite",
      path: "/tmp/e.db",
      label: "/tmp/e.db",
    });
    const home = defaultDatabaseLocation({});
    assert.ok(home.kind === "sqlite" && home.path.endsWith("/.engram/engram.db"), home.label);
    assert.throws(
      () => defaultDatabaseLocation({ ENGRAM_DATABASE_URL: "redis://h" }),
      /^.*ENGRAM_DATABASE_URL/,
    );
  });

  it("is taken from createEngram's env when it gives none, not from the process's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-env-db-"));
    try {
      const file = join(dir, "from-env.db");
      const engram = createEngram({ env: { ENGRAM_DB: file } });
      await engram.agents.create({ name: "kept-here" });
      engram.close();
      assert.ok(existsSync(file), "the database is the file env names");
      const again = createEngram({ path: file });
      assert.deepEqual(
        (await again.agents.list()).items.map((a) => a.name),
        ["kept-here"],
      );
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
