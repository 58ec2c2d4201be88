import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import type { Memory } from "../../core/types.ts";
import { createEngram } from "../../engram.ts";
import type { Store } from "../store.ts";

/**
 * Runs the migrations on the database at `path` in a child process and kills it (SIGKILL) inside
 * migration `version`'s transaction, once its data conversion has run: its `prepare`, and with
 * `runSql` its SQL too. Resolves once the child is dead; the database is left as the kill left it.
 */
export async function killMidMigration(path: string, version: number, runSql = false): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { DatabaseSync } from "node:sqlite";
       import { MIGRATIONS, migrate } from ${JSON.stringify(new URL("./migrations.ts", import.meta.url).href)};
       const db = new DatabaseSync(process.env.DB);
       db.exec("PRAGMA journal_mode = WAL");
       const hooked = MIGRATIONS.map((m) => m.version !== ${version} ? m : { ...m, prepare(d) {
         m.prepare?.(d);
         if (${runSql}) d.exec(m.sql);
         process.stdout.write("converted\\n");
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
       } });
       migrate(db, hooked);`,
    ],
    { env: { ...process.env, DB: path }, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("converted")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the child exited (${code}) before converting`)));
  });
  const exited = new Promise((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
}

/** Everything the audit log and the memory history show, as the store reads it. */
export async function readOut(store: Store) {
  const events = await store.events.list({ limit: 10_000 });
  const agents = [...new Set(events.map((e) => e.agentId).filter((id) => id !== null))] as string[];
  const memoryIds = [...new Set(events.filter((e) => e.targetType === "memory").map((e) => e.targetId))];
  const histories: Record<string, unknown> = {};
  const memories: Record<string, unknown> = {};
  for (const agentId of agents) {
    histories[agentId] = Object.fromEntries(await store.memories.histories(agentId, memoryIds));
    memories[agentId] = await store.memories.list({ agentId, archived: "include" }, { limit: 1000 });
  }
  return { events, histories, memories };
}

/**
 * A database with every kind of memory change: creates (one batch), an update after accesses were
 * counted, a text change, an archive and a restore, a deletion, and an agent deleted with its memories;
 * and a memory left as created.
 */
export async function writeHistory(path: string) {
  const engram = createEngram({ path, embedder: null });
  const agent = await engram.agents.create({ name: "writer" });
  const gone = await engram.agents.create({ name: "gone" });
  const { value: added } = await engram.memories.addMany(agent.id, [
    { text: "Ada prefers tea in the morning", tags: ["drink"] },
    { text: "Ada lives in Lyon", importance: 0.9, metadata: { source: "chat" } },
    { text: "Ada's cat is called Pixel" },
    { text: "Ada rides a red bike", tags: ["transport"] },
  ]);
  const [tea, lyon, cat] = added as [Memory, Memory, Memory];
  await engram.memories.add(gone.id, { text: "a memory of an agent that goes" });
  await engram.search(agent.id, { query: "tea morning", recordAccess: true });
  await engram.memories.update(agent.id, tea.id, { importance: 0.7 });
  await engram.memories.update(agent.id, lyon.id, { text: "Ada moved to Paris" });
  await engram.memories.archive(agent.id, cat.id);
  await engram.memories.restore(agent.id, cat.id);
  await engram.memories.delete(agent.id, lyon.id);
  await engram.agents.delete(gone.id);
  const out = await readOut(engram.store);
  await engram.close();
  return out;
}

/**
 * Rewrites the event log of the database at `path` as schema 22 stored it (project and agent ids as
 * text, a UNIQUE id), undoing migration 23 in place with its `sqlite_sequence` mark (and migration
 * 24's index, which schema 22 had not), for tests that rewrite a database as an older engram left it.
 */
export function asWrittenBeforeCompactEvents(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(`BEGIN;
      DROP INDEX IF EXISTS graph_entities_unmentioned;
      ALTER TABLE events RENAME TO events_v23;
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL,
        agent_id TEXT, actor TEXT NOT NULL, kind TEXT NOT NULL, target_type TEXT NOT NULL,
        target_id TEXT NOT NULL, before TEXT, after TEXT, created_at TEXT NOT NULL
      ) STRICT;
      INSERT INTO events SELECT e.seq, e.id, p.id, a.id, e.actor, e.kind, e.target_type, e.target_id,
          e.before, e.after, e.created_at
        FROM events_v23 e JOIN event_owners p ON p.n = e.project LEFT JOIN event_owners a ON a.n = e.agent;
      DELETE FROM sqlite_sequence WHERE name = 'events';
      UPDATE sqlite_sequence SET name = 'events' WHERE name = 'events_v23';
      DROP TABLE events_v23; DROP TABLE event_owners;
      CREATE INDEX events_by_agent ON events(agent_id, seq);
      CREATE INDEX events_by_project ON events(project_id, seq);
      COMMIT;`);
  } finally {
    db.close();
  }
}

/**
 * Rewrites the entity graph of the database at `path` as schema 21 stored it (one wide row per
 * mention, entities keyed by agent, user and key), undoing migration 22 in place, mention by
 * mention (and the event log as `asWrittenBeforeCompactEvents` does), for tests that rewrite a
 * database as an older engram left it.
 */
export function asWrittenBeforeCompactGraph(path: string): void {
  // Schema 21 predates the compact event log too.
  asWrittenBeforeCompactEvents(path);
  const db = new DatabaseSync(path);
  try {
    db.exec(`BEGIN;
      DROP TRIGGER graph_forgets_deleted_memory; DROP TRIGGER graph_forgets_deleted_message;
      ALTER TABLE graph_mentions RENAME TO graph_mentions_v22; DROP INDEX graph_mentions_by_item;
      ALTER TABLE graph_entities RENAME TO graph_entities_v22;
      CREATE TABLE graph_entities (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE, user_key TEXT NOT NULL,
        key TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, mentions INTEGER NOT NULL,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, PRIMARY KEY (agent_id, user_key, key)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO graph_entities
        SELECT agent_id, user_key, key, name, type, mentions, first_seen, last_seen FROM graph_entities_v22;
      CREATE TABLE graph_mentions (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE, user_key TEXT NOT NULL,
        key TEXT NOT NULL, source TEXT NOT NULL, item_id TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (agent_id, user_key, key, item_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX graph_mentions_by_item ON graph_mentions(agent_id, item_id);
      INSERT INTO graph_mentions SELECT * FROM graph_mentions_verbatim;`);
    const insert = db.prepare("INSERT INTO graph_mentions VALUES (?, ?, ?, ?, ?, ?)");
    const compact = db.prepare(`SELECT e.agent_id, e.user_key, e.key, m.source, m.at,
        CASE m.source WHEN 0 THEN (SELECT id FROM memories WHERE rowid = m.item)
          ELSE (SELECT id FROM messages WHERE rowid = m.item) END AS item_id
      FROM graph_mentions_v22 m JOIN graph_entities_v22 e ON e.id = m.entity`);
    for (const m of compact.all() as { [k: string]: string | number }[]) {
      const source = m.source === 0 ? "memory" : "message";
      insert.run(
        m.agent_id ?? "",
        m.user_key ?? "",
        m.key ?? "",
        source,
        m.item_id ?? "",
        new Date(Number(m.at)).toISOString(),
      );
    }
    db.exec(`DROP TABLE graph_mentions_v22; DROP TABLE graph_mentions_verbatim; DROP TABLE graph_entities_v22;
      COMMIT;`);
  } finally {
    db.close();
  }
}

/** The number a query's `n` column gives, read from the database file at `path` by a connection of its own. */
export function countOf(path: string, sql: string): number {
  const db = new DatabaseSync(path);
  try {
    return Number(db.prepare(sql).get()?.n);
  } finally {
    db.close();
  }
}
