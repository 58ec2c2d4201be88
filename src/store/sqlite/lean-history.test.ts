import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import type { Memory } from "../../core/types.ts";
import { createEngram } from "../../engram.ts";
import { convertToLeanHistory } from "./lean-history.ts";
import {
  asWrittenBeforeCompactEvents,
  countOf,
  killMidMigration,
  readOut,
  writeHistory,
} from "./migration-test-support.ts";
import { currentVersion, MIGRATIONS } from "./migrations.ts";
import { createSqliteStore } from "./sqlite-store.ts";

/** The migration that converts memory history to references, and the schema before it. */
const LEAN = MIGRATIONS.find((m) => m.prepare === convertToLeanHistory)?.version ?? Number.NaN;
const BEFORE_LEAN = LEAN - 1;

const dir = mkdtempSync(join(tmpdir(), "engram-lean-history-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Rewrites a lean database as the schema before wrote it: full copies everywhere, `content_hash` back. */
function asWrittenBeforeLean(path: string, out: Awaited<ReturnType<typeof readOut>>): void {
  asWrittenBeforeCompactEvents(path);
  const db = new DatabaseSync(path);
  db.exec("ALTER TABLE memories ADD COLUMN content_hash TEXT NOT NULL DEFAULT 'h'");
  // Every version had its own row then (migration 21 leaves creating versions implied by the row).
  db.exec(`INSERT INTO memory_versions (memory_id, version, agent_id, operation, actor, snapshot, created_at)
    SELECT id, 1, agent_id, 'create', created_by, '', created_at FROM memories WHERE created_by IS NOT NULL;
    ALTER TABLE memories DROP COLUMN created_by;`);
  const version = db.prepare("UPDATE memory_versions SET snapshot = ? WHERE memory_id = ? AND version = ?");
  for (const byMemory of Object.values(out.histories))
    for (const versions of Object.values(byMemory as Record<string, { version: number; memory: unknown }[]>))
      for (const v of versions)
        version.run(JSON.stringify(v.memory), (v.memory as { id: string }).id, v.version);
  const event = db.prepare("UPDATE events SET before = ?, after = ? WHERE seq = ?");
  for (const e of out.events) event.run(JSON.stringify(e.before), JSON.stringify(e.after), e.seq);
  // A database that old predates the later migrations too: undo them (the tables of 14, 16–20 and 22;
  // the event log of 23 above).
  db.exec("DROP TRIGGER graph_forgets_deleted_memory; DROP TRIGGER graph_forgets_deleted_message;");
  for (const table of [
    "leader_leases",
    "graph_mentions",
    "graph_mentions_verbatim",
    "graph_relations",
    "graph_entities",
    "block_attachments",
    "shared_block_edits",
    "shared_blocks",
    "agent_group_members",
    "agent_groups",
    "agent_mcp_servers",
    "images",
  ])
    db.exec(`DROP TABLE ${table}`);
  db.prepare("DELETE FROM schema_migrations WHERE version >= ?").run(LEAN);
  db.close();
}

describe("memory history stored once", () => {
  it("stores references, and reads the audit log and history as the changes were made", async () => {
    const path = join(dir, "refs.db");
    const engram = createEngram({ path, embedder: null });
    const agent = await engram.agents.create({ name: "a" });
    const created = await engram.memories.add(agent.id, { text: "Ada prefers tea" });
    await engram.search(agent.id, { query: "tea", recordAccess: true });
    const read = await engram.memories.get(agent.id, created.id);
    assert.equal(read.accessCount, 1);
    const { value: updated } = await engram.memories.update(agent.id, created.id, {
      text: "Ada prefers coffee",
    });
    const events = (await engram.events.list({ agentId: agent.id })).items.filter(
      (e) => e.targetType === "memory",
    );
    assert.deepEqual(
      events.map((e) => [e.kind, e.before, e.after]),
      [
        ["memory.created", null, created],
        ["memory.updated", read, updated],
      ],
    );
    assert.deepEqual(
      (await engram.memories.history(agent.id, created.id)).map((v) => v.memory),
      [created, updated],
    );
    await engram.close();
    // The current version refers to its row; the first, whose text changed, was written out in full.
    const db = new DatabaseSync(path);
    const snapshots = db
      .prepare("SELECT version, snapshot FROM memory_versions WHERE memory_id = ? ORDER BY version")
      .all(created.id);
    assert.match(String(snapshots[0]?.snapshot), /^\{.*"Ada prefers tea"/);
    assert.equal(snapshots[1]?.snapshot, `[1,${JSON.stringify(read.lastAccessedAt)}]`);
    const stored = db
      .prepare("SELECT before, after FROM events WHERE target_id = ? ORDER BY seq")
      .all(created.id)
      .map((e) => [e.before, e.after]);
    assert.deepEqual(stored, [
      [null, "@1"],
      [`@1{"accessCount":1,"lastAccessedAt":${JSON.stringify(read.lastAccessedAt)}}`, "@2"],
    ]);
    db.close();
  });

  it("keeps a full copy of a version the row cannot hold (a creation time the row does not change)", async () => {
    const path = join(dir, "moved.db");
    const engram = createEngram({ path, embedder: null });
    const agent = await engram.agents.create({ name: "a" });
    const memory = await engram.memories.add(agent.id, { text: "dated" });
    const at = "2030-01-01T00:00:00.000Z";
    const moved: Memory = { ...memory, createdAt: "2020-01-01T00:00:00.000Z", version: 2, updatedAt: at };
    await engram.store.memories.update(
      {
        memory: moved,
        version: {
          memoryId: memory.id,
          version: 2,
          operation: "update",
          actor: "user",
          memory: moved,
          createdAt: at,
        },
        event: {
          id: "evt_moved",
          projectId: agent.projectId,
          agentId: agent.id,
          actor: "user",
          kind: "memory.updated",
          targetType: "memory",
          targetId: memory.id,
          before: memory,
          after: moved,
          createdAt: at,
        },
      },
      1,
    );
    assert.equal((await engram.memories.get(agent.id, memory.id)).createdAt, memory.createdAt);
    assert.deepEqual(
      (await engram.memories.history(agent.id, memory.id)).map((v) => v.memory),
      [memory, moved],
    );
    const [event] = await engram.store.events.list({ agentId: agent.id, kind: "memory.updated", limit: 1 });
    assert.deepEqual([event?.before, event?.after], [memory, moved]);
    await engram.close();
  });

  it("keeps a deleted agent's memory events whole in the audit log", async () => {
    const path = join(dir, "deleted-agent.db");
    const engram = createEngram({ path, embedder: null });
    const agent = await engram.agents.create({ name: "a" });
    const memory = await engram.memories.add(agent.id, { text: "soon gone" });
    await engram.agents.delete(agent.id);
    const [event] = await engram.store.events.list({ agentId: agent.id, kind: "memory.created", limit: 10 });
    assert.deepEqual(event?.after, memory);
    await engram.close();
    assert.equal(
      countOf(path, "SELECT COUNT(*) AS n FROM events WHERE before LIKE '@%' OR after LIKE '@%'"),
      0,
    );
  });

  it("migrates a database written with full copies to references that read back the same", async () => {
    const lean = join(dir, "lean.db");
    const expected = await writeHistory(lean);
    const old = join(dir, "old.db");
    copyFileSync(lean, old);
    asWrittenBeforeLean(old, expected);
    // An event whose copy no version can express (its keys in another order) keeps its copy.
    const odd = { odd: true, ...(expected.events.find((e) => e.kind === "memory.created")?.after as object) };
    const raw = new DatabaseSync(old);
    raw
      .prepare(
        `INSERT INTO events (id, project_id, agent_id, actor, kind, target_type, target_id, before, after, created_at)
         SELECT 'evt_odd', project_id, agent_id, actor, kind, target_type, target_id, 'null', ?, created_at
         FROM events WHERE kind = 'memory.created' LIMIT 1`,
      )
      .run(JSON.stringify(odd));
    raw.close();
    assert.equal(countOf(old, "SELECT COUNT(*) AS n FROM events WHERE after LIKE '@%'"), 0);

    const store = createSqliteStore({ path: old });
    const migrated = await readOut(store);
    await store.close();
    const oddEvent = migrated.events.pop();
    assert.deepEqual(oddEvent?.after, odd);
    assert.deepEqual(migrated, expected);
    assert.ok(countOf(old, "SELECT COUNT(*) AS n FROM events WHERE after LIKE '@%'") >= 5);
    assert.ok(countOf(old, "SELECT COUNT(*) AS n FROM memory_versions WHERE snapshot LIKE '[%'") >= 2);
    assert.equal(
      countOf(old, "SELECT COUNT(*) AS n FROM pragma_table_info('memories') WHERE name = 'content_hash'"),
      0,
    );
    assert.equal(
      countOf(old, "SELECT COUNT(*) AS n FROM events WHERE id = 'evt_odd' AND after LIKE '{%'"),
      1,
    );
  });

  it("leaves a database that opens and migrates when the migration is killed midway", async () => {
    const lean = join(dir, "kill-source.db");
    const expected = await writeHistory(lean);
    const old = join(dir, "killed.db");
    copyFileSync(lean, old);
    asWrittenBeforeLean(old, expected);
    // The child converts the data, says so, then stops dead inside the migration's transaction.
    await killMidMigration(old, LEAN);

    const raw = new DatabaseSync(old);
    assert.equal(currentVersion(raw), BEFORE_LEAN);
    assert.equal(Number(raw.prepare("SELECT COUNT(*) AS n FROM events WHERE after LIKE '@%'").get()?.n), 0);
    raw.close();
    const store = createSqliteStore({ path: old });
    const migrated = await readOut(store);
    await store.close();
    assert.deepEqual(migrated, expected);
    assert.ok(countOf(old, "SELECT COUNT(*) AS n FROM events WHERE after LIKE '@%'") >= 5);
  });
});
