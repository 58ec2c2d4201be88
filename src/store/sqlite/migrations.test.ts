import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { EngramError } from "../../core/errors.ts";
import { currentVersion, LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from "./migrations.ts";
import { createSqliteStore } from "./sqlite-store.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-migrations-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("applies every migration once, records it, and is a no-op the second time", () => {
    const db = new DatabaseSync(":memory:");
    assert.deepEqual(
      migrate(db),
      MIGRATIONS.map((m) => m.version),
    );
    assert.deepEqual(migrate(db), []);
    assert.equal(currentVersion(db), LATEST_SCHEMA_VERSION);
    const rows = db.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version").all();
    assert.equal(rows.length, MIGRATIONS.length);
    assert.match(String(rows[0]?.checksum), /^[0-9a-f]{64}$/);
  });

  it("applies only the new ones when the code gains a migration", () => {
    const db = new DatabaseSync(":memory:");
    migrate(db);
    const next = [
      ...MIGRATIONS,
      { version: LATEST_SCHEMA_VERSION + 1, name: "extra", sql: "CREATE TABLE extra (x INTEGER)" },
    ];
    assert.deepEqual(migrate(db, next), [LATEST_SCHEMA_VERSION + 1]);
    assert.deepEqual(migrate(db, next), []);
  });

  it("rolls back a failing migration entirely", () => {
    const db = new DatabaseSync(":memory:");
    migrate(db);
    const broken = [
      ...MIGRATIONS,
      { version: 99, name: "broken", sql: "CREATE TABLE ok_table (x); SELECT * FROM missing_table" },
    ];
    assert.throws(() => migrate(db, broken));
    assert.equal(currentVersion(db), LATEST_SCHEMA_VERSION);
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok_table'").get(), undefined);
  });

  it("refuses to open a database written by a newer engram, changing nothing", async () => {
    const path = join(dir, "newer.db");
    await createSqliteStore({ path }).close();
    const raw = new DatabaseSync(path);
    raw
      .prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)")
      .run(LATEST_SCHEMA_VERSION + 5, "future", "x", "2030-01-01T00:00:00Z");
    raw.close();
    assert.throws(
      () => createSqliteStore({ path }),
      (error: unknown) =>
        EngramError.isInstance(error) &&
        error.code === "database_too_new" &&
        /upgrade engram/.test(error.message),
    );
    const check = new DatabaseSync(path);
    assert.equal(currentVersion(check), LATEST_SCHEMA_VERSION + 5);
    check.close();
  });

  it("opens a file in WAL mode with foreign keys and a busy timeout", async () => {
    const path = join(dir, "pragmas.db");
    const store = createSqliteStore({ path });
    await store.close();
    const db = new DatabaseSync(path);
    assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    db.close();
    assert.equal(store.capabilities.fullText, true);
  });

  it("loads sqlite-vec, and reports vectors unavailable with a warning when it cannot load", async () => {
    const withVec = createSqliteStore({ path: ":memory:" });
    assert.equal(withVec.capabilities.vectors, true);
    assert.deepEqual(withVec.warnings, []);
    await withVec.close();
    const without = createSqliteStore({
      path: ":memory:",
      vectorExtension: join(dir, "no-such-extension.so"),
    });
    assert.equal(without.capabilities.vectors, false);
    assert.match(without.warnings[0] ?? "", /sqlite-vec.*vector search is unavailable/);
    await without.close();
  });
});
