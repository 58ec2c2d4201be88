import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import type { Memory } from "../../core/types.ts";
import { createEngram } from "../../engram.ts";
import {
  asWrittenBeforeCompactGraph,
  killMidMigration,
  readOut,
  writeHistory,
} from "./migration-test-support.ts";
import { currentVersion, MIGRATIONS } from "./migrations.ts";
import { createSqliteStore } from "./sqlite-store.ts";
import { ensureCreatedByColumn } from "./version-rows.ts";

/** The migration that leaves creating versions implied by their rows. */
const IMPLIED = MIGRATIONS.find((m) => m.prepare === ensureCreatedByColumn)?.version ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), "engram-version-rows-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function query(path: string, sql: string, ...params: string[]): Record<string, unknown>[] {
  const db = new DatabaseSync(path);
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

const versionCount = (path: string) => Number(query(path, "SELECT COUNT(*) AS n FROM memory_versions")[0]?.n);

/** Rewrites a database as the schema before migration 21 wrote it: every creating version in a row. */
function asWrittenBeforeImplied(path: string): void {
  // The schema before predates the compact graph too.
  asWrittenBeforeCompactGraph(path);
  const db = new DatabaseSync(path);
  db.exec(`INSERT INTO memory_versions (memory_id, version, agent_id, operation, actor, snapshot, created_at)
      SELECT id, 1, agent_id, 'create', created_by, '[0,null]', created_at FROM memories
      WHERE created_by IS NOT NULL;
    ALTER TABLE memories DROP COLUMN created_by;`);
  db.prepare("DELETE FROM schema_migrations WHERE version >= ?").run(IMPLIED);
  db.close();
}

describe("a memory's creating version implied by its row", () => {
  it("writes no version row for a memory as created, and reads its history and events the same", async () => {
    const path = join(dir, "implied.db");
    const engram = createEngram({ path, embedder: null });
    const agent = await engram.agents.create({ name: "a" });
    const { value } = await engram.memories.addMany(agent.id, [
      { text: "Ada prefers tea" },
      { text: "Ada lives in Lyon" },
      { text: "Ada's cat is Pixel" },
    ]);
    const [tea, lyon, cat] = value as [Memory, Memory, Memory];
    const creation = (memory: Memory) => ({
      memoryId: memory.id,
      version: 1,
      operation: "create",
      actor: "user",
      memory,
      createdAt: memory.createdAt,
    });
    assert.equal(versionCount(path), 0);
    assert.deepEqual(await engram.memories.history(agent.id, tea.id), [creation(tea)]);
    // Accesses move the row, not the version: it still reads as created.
    await engram.search(agent.id, { query: "Ada tea Lyon Pixel", recordAccess: true });
    assert.equal((await engram.memories.get(agent.id, tea.id)).accessCount, 1);
    assert.deepEqual(Object.fromEntries(await engram.store.memories.histories(agent.id, [tea.id, cat.id])), {
      [tea.id]: [creation(tea)],
      [cat.id]: [creation(cat)],
    });

    const { value: updated } = await engram.memories.update(agent.id, tea.id, { text: "Ada prefers coffee" });
    await engram.memories.delete(agent.id, lyon.id);
    assert.deepEqual(
      (await engram.memories.history(agent.id, tea.id)).map((v) => [v.operation, v.memory]),
      [
        ["create", tea],
        ["update", updated],
      ],
    );
    assert.deepEqual(
      (await engram.memories.history(agent.id, lyon.id)).map((v) => v.operation),
      ["create", "delete"],
    );
    const created = (await engram.events.list({ agentId: agent.id, kind: "memory.created" })).items;
    assert.deepEqual(
      created.map((e) => e.after),
      [tea, lyon, cat],
    );
    await engram.close();
    // The changed and the deleted memory's creations were written out in full before their rows
    // changed; the untouched one still has none.
    const rows = query(path, "SELECT memory_id, version, snapshot FROM memory_versions WHERE version = 1");
    assert.deepEqual(rows.map((r) => r.memory_id).sort(), [lyon.id, tea.id].sort());
    for (const row of rows) assert.match(String(row.snapshot), /^\{/);
    assert.deepEqual(
      query(path, "SELECT id, created_by FROM memories ORDER BY id").map((r) => [r.id, r.created_by]),
      [
        [tea.id, null],
        [cat.id, "user"],
      ].sort(),
    );
  });

  it("migrates a database with a row for every creating version, reading back the same", async () => {
    const path = join(dir, "before.db");
    const expected = await writeHistory(path);
    const implied = versionCount(path);
    asWrittenBeforeImplied(path);
    const rowsBefore = versionCount(path);
    assert.ok(rowsBefore > implied, "the rewrite gave creating versions their rows back");

    const store = createSqliteStore({ path });
    assert.deepEqual(await readOut(store), expected);
    await store.close();
    assert.equal(versionCount(path), implied);
  });

  it("leaves a database that opens and migrates when the migration is killed midway", async () => {
    const source = join(dir, "kill-source.db");
    const expected = await writeHistory(source);
    const implied = versionCount(source);
    const path = join(dir, "killed.db");
    copyFileSync(source, path);
    asWrittenBeforeImplied(path);
    const rowsBefore = versionCount(path);
    // The child converts the data, says so, then stops dead inside the migration's transaction.
    await killMidMigration(path, IMPLIED, true);

    const raw = new DatabaseSync(path);
    assert.equal(currentVersion(raw), IMPLIED - 1);
    raw.close();
    assert.equal(versionCount(path), rowsBefore);
    assert.equal(
      query(path, "SELECT COUNT(*) AS n FROM pragma_table_info('memories') WHERE name = 'created_by'")[0]?.n,
      0,
    );
    const store = createSqliteStore({ path });
    assert.deepEqual(await readOut(store), expected);
    await store.close();
    assert.equal(versionCount(path), implied);
  });
});
