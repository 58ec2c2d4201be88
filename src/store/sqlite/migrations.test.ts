import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { EngramError } from "../../core/errors.ts";
import { KEY_FACTS } from "./memory-store.ts";
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

  it("finds a key's facts by agent, key and user, in a new database and one migrated from version 24", () => {
    const plan = (db: DatabaseSync) =>
      db
        .prepare(`EXPLAIN QUERY PLAN SELECT m.id FROM memories m WHERE ${KEY_FACTS}`)
        .all("agt_1", "user.city", "ada", "2026-01-01T00:00:00.000Z")
        .map((row) => String(row.detail))
        .join("\n");
    const fresh = new DatabaseSync(":memory:");
    migrate(fresh);
    const old = new DatabaseSync(":memory:");
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= 24),
    );
    assert.match(plan(old), /memories_by_key \(agent_id=\? AND key=\?\)$/);
    assert.equal(migrate(old)[0], 25);
    for (const db of [fresh, old])
      assert.match(
        plan(db),
        /SEARCH m USING INDEX memories_by_key \(agent_id=\? AND key=\? AND user_id=\?\)/,
      );
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

  it("makes agent names unique in a database that has duplicates, renaming the younger ones and recording it", () => {
    const db = new DatabaseSync(":memory:");
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < 9),
    );
    db.exec(`INSERT INTO projects VALUES ('prj_a', 'a', '{}', 't', 't'), ('prj_b', 'b', '{}', 't', 't')`);
    const agent = db.prepare("INSERT INTO agents VALUES (?, ?, ?, NULL, '', '{}', 'main', ?, ?)");
    // Two "twin"s besides the first, one "twin-2" already there, and a "twin" in another project.
    for (const [id, project, name, at] of [
      ["agt_3", "prj_a", "twin", "2026-01-03"],
      ["agt_1", "prj_a", "twin", "2026-01-01"],
      ["agt_2", "prj_a", "twin-2", "2026-01-02"],
      ["agt_4", "prj_a", "twin", "2026-01-03"],
      ["agt_5", "prj_b", "twin", "2026-01-01"],
    ] as const)
      agent.run(id, project, name, at, at);
    assert.deepEqual(
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= 9),
      ),
      [9],
    );
    const names = db.prepare("SELECT id, name FROM agents ORDER BY id").all();
    assert.deepEqual(
      names.map((r) => [r.id, r.name]),
      [
        ["agt_1", "twin"],
        ["agt_2", "twin-2"],
        ["agt_3", "twin-3"],
        ["agt_4", "twin-4"],
        ["agt_5", "twin"],
      ],
    );
    const events = db.prepare("SELECT target_id, kind, before, after FROM events ORDER BY seq").all();
    assert.deepEqual(
      events.map((e) => [
        e.target_id,
        e.kind,
        JSON.parse(String(e.before)).name,
        JSON.parse(String(e.after)).name,
      ]),
      [
        ["agt_3", "agent.renamed", "twin", "twin-3"],
        ["agt_4", "agent.renamed", "twin", "twin-4"],
      ],
    );
    assert.throws(() => agent.run("agt_6", "prj_a", "twin", "t", "t"), /UNIQUE constraint failed/);
  });

  it("drops the embedding cache of a version-9 database, and nothing else", () => {
    const db = new DatabaseSync(":memory:");
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 9),
    );
    db.prepare("INSERT INTO embedding_cache (model, hash, vector) VALUES (?, ?, ?)").run(
      "hash:32",
      "abc",
      new Uint8Array(128),
    );
    const tables = () =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((t) => String(t.name));
    const before = tables();
    assert.deepEqual(
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= 10),
      ),
      [10],
    );
    assert.deepEqual(
      tables(),
      before.filter((name) => name !== "embedding_cache"),
    );
  });

  it("rebuilds turn leases of a version-10 database to name their owner instead of a process", () => {
    const db = new DatabaseSync(":memory:");
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 10),
    );
    const columns = () =>
      db
        .prepare("SELECT name FROM pragma_table_info('turn_leases') ORDER BY cid")
        .all()
        .map((c) => String(c.name));
    assert.deepEqual(columns(), ["agent_id", "conversation", "holder", "pid", "expires_ms"]);
    assert.deepEqual(
      migrate(
        db,
        MIGRATIONS.filter((m) => m.version <= 11),
      ),
      [11],
    );
    assert.deepEqual(columns(), ["agent_id", "conversation", "holder", "owner", "expires_ms"]);
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
