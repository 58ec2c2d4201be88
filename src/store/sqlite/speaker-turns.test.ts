import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { createEngram } from "../../engram.ts";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../rows/memory-rows.ts";
import { indexedAsBefore, speakerTurnsLog } from "../rows/speaker-turns-fixture.ts";
import { INSERT_MESSAGE_FTS, messageFtsValues } from "./message-fts.ts";
import { killMidMigration } from "./migration-test-support.ts";
import { currentVersion, MIGRATIONS } from "./migrations.ts";
import { reindexSameSpeakerTurns } from "./speaker-turns.ts";

const VERSION = MIGRATIONS.find((m) => m.prepare === reindexSameSpeakerTurns)?.version ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), "engram-speaker-turns-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every (message rowid, column, term) the full-text index holds. */
function postings(path: string): string[] {
  const db = new DatabaseSync(path);
  db.exec("CREATE VIRTUAL TABLE temp.instances USING fts5vocab(main, messages_fts, instance)");
  const rows = db
    .prepare("SELECT DISTINCT doc, col, term FROM temp.instances ORDER BY doc, col, term")
    .all()
    .map((r) => `${r.doc} ${r.col} ${r.term}`);
  db.close();
  return rows;
}

/** Rewrites the full-text rows as a write indexed them before, at the schema before the migration. */
function asIndexedBefore(path: string): void {
  const db = new DatabaseSync(path);
  const rows = (
    db
      .prepare(`SELECT m.rowid AS rowid, ${MESSAGE_COLUMNS} FROM messages m ORDER BY m.rowid`)
      .all() as unknown as (MessageRow & { rowid: number })[]
  ).map((row) => ({ rowid: row.rowid, message: toMessage(row) }));
  const remove = db.prepare("DELETE FROM messages_fts WHERE rowid = ?");
  const insert = db.prepare(INSERT_MESSAGE_FTS);
  for (const { rowid, item } of indexedAsBefore(rows)) {
    remove.run(rowid);
    insert.run(rowid, ...messageFtsValues(item));
  }
  db.prepare("DELETE FROM schema_migrations WHERE version >= ?").run(VERSION);
  db.close();
}

async function written(name: string): Promise<string> {
  const path = join(dir, name);
  const engram = createEngram({ database: path, embedder: null, env: {} });
  const agent = await engram.agents.create({ name: "support" });
  await engram.messages.appendMany(agent.id, speakerTurnsLog());
  await engram.close();
  return path;
}

/** A log written now, and a copy of it rewritten as the schema before the migration left it. */
async function nowAndBefore(name: string): Promise<{ now: string; old: string; before: string[] }> {
  const now = await written(`${name}-now.db`);
  const old = join(dir, `${name}-old.db`);
  copyFileSync(now, old);
  asIndexedBefore(old);
  return { now, old, before: postings(old) };
}

/** Opens a database with engram, which migrates it, and closes it. */
async function openOnce(path: string): Promise<void> {
  await createEngram({ database: path, embedder: null, env: {} }).close();
}

describe(`SQLite migration ${VERSION}: turns next to their own speaker's indexed again`, () => {
  it("indexes a database written before as a write does now, and nothing else", async () => {
    const { now, old, before } = await nowAndBefore("plain");
    assert.notDeepEqual(before, postings(now), "the rows written as before differ");
    await openOnce(old);
    assert.deepEqual(postings(old), postings(now));
  });

  it("leaves a database that opens and migrates when the migration is killed midway", async () => {
    const { now, old, before } = await nowAndBefore("killed");
    await killMidMigration(old, VERSION);
    const raw = new DatabaseSync(old);
    assert.equal(currentVersion(raw), VERSION - 1);
    raw.close();
    assert.deepEqual(postings(old), before, "the killed migration changed nothing");
    await openOnce(old);
    assert.deepEqual(postings(old), postings(now));
  });
});
