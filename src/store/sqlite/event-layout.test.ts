import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { createEngram } from "../../engram.ts";
import type { EventQuery, Store } from "../store.ts";
import { COMPACT_EVENTS_SQL, EVENT_ROW_SQL } from "./event-layout.ts";
import { eventListSql } from "./event-store.ts";
import { asWrittenBeforeCompactEvents, countOf, killMidMigration } from "./migration-test-support.ts";
import { currentVersion, LATEST_SCHEMA_VERSION, MIGRATIONS } from "./migrations.ts";
import { createSqliteStore } from "./sqlite-store.ts";

const COMPACT = MIGRATIONS.find((m) => m.sql === COMPACT_EVENTS_SQL)?.version ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), "engram-event-layout-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Whom the fixture's events belong to. */
interface Owners {
  keeper: string;
  other: string;
  gone: string;
  second: string;
}

/**
 * A log with events of two projects, of a live agent and a deleted one, events of no agent, and its
 * newest events deleted (so the sequence's mark is above the highest seq left).
 */
async function writeLog(path: string): Promise<{ owners: Owners; mark: number }> {
  const engram = createEngram({ path, embedder: null });
  const second = await engram.projects.create({ name: "second" });
  const keeper = await engram.agents.create({ name: "keeper" });
  const other = await engram.agents.create({ name: "other", project: "second" });
  const gone = await engram.agents.create({ name: "gone" });
  await engram.memories.add(gone.id, { text: "a memory of an agent that goes" });
  await engram.memories.addMany(keeper.id, [{ text: "Ada prefers tea" }, { text: "Ada lives in Lyon" }]);
  const { value: kept } = await engram.memories.addMany(other.id, [{ text: "Bea rides a bike" }]);
  await engram.memories.update(other.id, kept[0]?.id ?? "", { importance: 0.9 });
  await engram.agents.delete(gone.id);
  await engram.projects.update("second", { metadata: { tier: "gold" } });
  await engram.memories.add(keeper.id, { text: "written, then its event deleted" });
  await engram.memories.add(keeper.id, { text: "this one too" });
  await engram.close();
  const db = new DatabaseSync(path);
  db.exec("DELETE FROM events WHERE seq > (SELECT MAX(seq) - 2 FROM events)");
  const mark = Number(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get()?.seq);
  db.close();
  const owners = { keeper: keeper.id, other: other.id, gone: gone.id, second: second.id };
  return { owners, mark };
}

/** What the store reads of the log: all of it, and by each owner and kind. */
async function readLog(store: Store, owners: Owners) {
  const page = (query: Omit<EventQuery, "limit">) => store.events.list({ ...query, limit: 10_000 });
  return {
    all: await page({}),
    keeper: await page({ agentId: owners.keeper }),
    gone: await page({ agentId: owners.gone }),
    second: await page({ projectId: owners.second }),
    otherCreated: await page({ agentId: owners.other, kind: "memory.created" }),
    tally: await store.events.tally({ agentId: owners.gone }),
    lastSeq: await store.events.lastSeq(),
  };
}

/** The rows of the log as stored at schema 22, and as the compact form reads them back. */
function rowsOf(path: string, compact: boolean): unknown[] {
  const db = new DatabaseSync(path);
  try {
    const sql = compact ? `${EVENT_ROW_SQL} ORDER BY e.seq` : "SELECT * FROM events ORDER BY seq";
    return db
      .prepare(sql)
      .all()
      .map((row) => ({ ...row }));
  } finally {
    db.close();
  }
}

/** A database at schema 22 with the fixture's log, and what the store read of it before. */
async function logBeforeCompact(name: string) {
  const path = join(dir, name);
  const { owners, mark } = await writeLog(path);
  const store = createSqliteStore({ path });
  const expected = await readLog(store, owners);
  await store.close();
  asWrittenBeforeCompactEvents(path);
  const raw = new DatabaseSync(path);
  raw.prepare("DELETE FROM schema_migrations WHERE version >= ?").run(COMPACT);
  raw.close();
  return { path, owners, mark, expected, rows: rowsOf(path, false) };
}

describe("the event log's compact form (migration 23)", () => {
  it("converts a log of schema 22, reads it back the same, and never reuses a sequence number", async () => {
    const { path, owners, mark, expected, rows } = await logBeforeCompact("convert.db");
    assert.ok(expected.all.some((e) => e.agentId === null) && expected.gone.length >= 3);
    assert.ok(expected.second.length >= 3 && expected.second.length < expected.all.length);
    assert.ok(mark > expected.lastSeq, "the newest events were deleted");
    assert.equal(countOf(path, "SELECT seq AS n FROM sqlite_sequence WHERE name = 'events'"), mark);

    const engram = createEngram({ path, embedder: null });
    try {
      assert.deepEqual(await readLog(engram.store, owners), expected);
      assert.deepEqual(rowsOf(path, true), rows);
      assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM event_owners"), 5);
      assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM events WHERE agent IS NULL"), 3);
      const next = await engram.agents.create({ name: "next" });
      const [created] = (await engram.events.list({ agentId: next.id })).items;
      assert.equal(created?.seq, mark + 1);
    } finally {
      await engram.close();
    }
  });

  it("leaves the schema before when killed mid-migration, and migrates at the next start", async () => {
    const { path, owners, expected, rows } = await logBeforeCompact("killed.db");
    const copy = join(dir, "killed-copy.db");
    copyFileSync(path, copy);
    await killMidMigration(copy, COMPACT, true);
    const raw = new DatabaseSync(copy);
    assert.equal(currentVersion(raw), COMPACT - 1);
    raw.close();
    assert.deepEqual(rowsOf(copy, false), rows);
    assert.equal(countOf(copy, "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'event_owners'"), 0);

    const store = createSqliteStore({ path: copy });
    try {
      assert.deepEqual(await readLog(store, owners), expected);
    } finally {
      await store.close();
    }
    assert.equal(countOf(copy, "SELECT MAX(version) AS n FROM schema_migrations"), LATEST_SCHEMA_VERSION);
  });

  it("reads an agent's or a project's events through its index", async () => {
    const path = join(dir, "plan.db");
    const { owners } = await writeLog(path);
    const db = new DatabaseSync(path);
    try {
      const plan = (query: EventQuery) => {
        const { sql, params } = eventListSql(query);
        return db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((row) => String(row.detail))
          .join("\n");
      };
      assert.match(
        plan({ agentId: owners.keeper, limit: 10 }),
        /SEARCH e USING INDEX events_by_agent \(agent=\? AND seq>\?\)/,
      );
      assert.match(
        plan({ projectId: owners.second, afterSeq: 3, limit: 10 }),
        /SEARCH e USING INDEX events_by_project \(project=\? AND seq>\?\)/,
      );
      assert.match(
        plan({ agentId: owners.keeper, projectId: owners.second, limit: 10 }),
        /SEARCH e USING INDEX events_by_agent \(agent=\? AND seq>\?\)/,
      );
    } finally {
      db.close();
    }
  });
});
