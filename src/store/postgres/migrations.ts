import { EngramError } from "../../core/errors.ts";
import { sha256 } from "../../core/hash.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { GRAPH_TABLES } from "./schema/graph.ts";
import { GROUP_TABLES } from "./schema/groups.ts";
import { POSTINGS_WITHOUT_FOREIGN_KEYS } from "./schema/postings-without-foreign-keys.ts";
import { SEARCH_TABLES } from "./schema/search.ts";
import { SHARED_BLOCK_TABLES } from "./schema/shared-blocks.ts";
import { TABLES } from "./schema/tables.ts";
import { reindexSameSpeakerTurns } from "./speaker-turns.ts";

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
  /** Data changes made before the SQL, in the same transaction (not part of the checksum). */
  prepare?: (tx: Sql) => Promise<void>;
}

/** PostgreSQL's schema history. Version 1 is the whole schema as of the backend's first release. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: "engram schema", sql: TABLES + SEARCH_TABLES },
  {
    version: 2,
    name: "keyed facts: a memory's key, and the facts of a key found at once",
    // Memories with no validFrom keep none: readers take their creation time (docs/retrieval.md).
    sql: `
      ALTER TABLE memories ADD COLUMN key TEXT COLLATE "C";
      CREATE INDEX memories_by_key ON memories (agent_id, key)
        WHERE key IS NOT NULL;
    `,
  },
  { version: 3, name: "entity graph", sql: GRAPH_TABLES },
  { version: 4, name: "shared blocks", sql: SHARED_BLOCK_TABLES },
  { version: 5, name: "groups: agents of a project working together", sql: GROUP_TABLES },
  {
    version: 6,
    name: "MCP servers: where each agent takes tools from",
    sql: `
      CREATE TABLE agent_mcp_servers (
        agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        name TEXT COLLATE "C" NOT NULL,
        config TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (agent_id, name)
      );
    `,
  },
  {
    version: 7,
    name: "images of messages, stored once per agent by the SHA-256 of their bytes",
    sql: `
      CREATE TABLE images (
        agent_id TEXT COLLATE "C" NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        sha256 TEXT COLLATE "C" NOT NULL,
        media_type TEXT COLLATE "C" NOT NULL,
        size INTEGER NOT NULL,
        data BYTEA NOT NULL,
        caption TEXT COLLATE "C",
        created_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (agent_id, sha256)
      );
    `,
  },
  { version: 8, name: "postings without foreign keys", sql: POSTINGS_WITHOUT_FOREIGN_KEYS },
  {
    version: 9,
    name: "an entity's mentions newest first, so a search reads only the newest of each",
    sql: "CREATE INDEX graph_mentions_newest ON graph_mentions (agent_id, user_key, key, at DESC, item_id);",
  },
  {
    version: 10,
    name: "entity graph: entities no item names any more, found without reading the others",
    sql: "CREATE INDEX graph_entities_unmentioned ON graph_entities (agent_id) WHERE mentions <= 0;",
  },
  {
    version: 11,
    name: "keyed facts found by agent, key and user",
    // A keyed write reads its user's facts of the key; by agent and key alone it read every user's.
    sql: `
      DROP INDEX memories_by_key;
      CREATE INDEX memories_by_key ON memories (agent_id, key, user_id) WHERE key IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: "an end user's memories found by agent and user",
    // A search for one user that leaves common terms out ranks that user's own memories with every
    // term (term-choice.ts): found through this index, its cost is the user's, not the agent's.
    // Memories of no user are not in it, so writing them costs nothing more.
    sql: "CREATE INDEX IF NOT EXISTS memories_by_user ON memories (agent_id, user_id) WHERE user_id IS NOT NULL;",
  },
  {
    version: 13,
    name: "an end user's messages found by agent and user",
    // As SQLite's migration 27: one user's conversation read through this index, in rowid order.
    sql: "CREATE INDEX IF NOT EXISTS messages_by_user ON messages (agent_id, user_id, rowid) WHERE user_id IS NOT NULL;",
  },
  {
    version: 14,
    name: "messages of no end user found by agent",
    // As SQLite's migration 28: a conversation of no user read through this index, in rowid order.
    sql: "CREATE INDEX IF NOT EXISTS messages_without_user ON messages (agent_id, rowid) WHERE user_id IS NULL;",
  },
  {
    version: 15,
    name: "the agent's shared memories found by agent",
    // As SQLite's migration 29: a search for one user counts and reads the agent's shared memories
    // (of no user) through this index when they are few.
    sql: "CREATE INDEX IF NOT EXISTS memories_shared ON memories (agent_id, rowid) WHERE user_id IS NULL;",
  },
  {
    version: 16,
    name: "a message's previous and next turns indexed only when another speaker said them",
    // As SQLite's migration 30: the messages next to a turn by their own speaker are indexed again
    // (speaker-turns.ts); the data change is all in `prepare`.
    prepare: reindexSameSpeakerTurns,
    sql: "SELECT 1",
  },
  {
    version: 17,
    name: "an end user's speaker names found by agent and user",
    // As SQLite's migration 31: the distinct speaker names of one user's messages, one seek each.
    sql: "CREATE INDEX IF NOT EXISTS messages_user_names ON messages (agent_id, user_id, name) WHERE user_id IS NOT NULL AND name IS NOT NULL;",
  },
  {
    version: 18,
    name: "webhooks: the tries begun on the event being delivered",
    // As SQLite's migration 32: tries counted as they begin, so lost ones use up the attempts too.
    sql: `
      ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS trying_seq BIGINT;
      ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS tries INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

export const PG_LATEST_SCHEMA_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;

/**
 * The first key of the migration's advisory lock (the second is its schema's name, hashed): any
 * 32-bit number engram's migrations agree on, so that servers starting together on one schema take
 * turns, while engines on other schemas of the server (one per tenant, or per test) go on at once.
 */
export const MIGRATION_LOCK = 0x656e6701;

/**
 * Brings the database's schema to the latest version in one transaction, under a transaction-level
 * advisory lock on that schema, so that servers starting at once migrate it once. Running again is a
 * no-op.
 * @throws EngramError `database_too_new` when a newer engram has migrated the database further.
 */
export async function migratePostgres(
  db: PgDatabase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  return db.transactionNow(async (tx) => {
    await tx.run("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK, db.schema]);
    await tx.run(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    await tx.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const latest = migrations.at(-1)?.version ?? 0;
    const current = await currentPgVersion(tx);
    if (current > latest) {
      throw new EngramError(
        "database_too_new",
        `the database is at schema version ${current}, but this engram knows versions up to ${latest}: upgrade engram to open it`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await migration.prepare?.(tx);
      await tx.run(migration.sql);
      await tx.run(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        [migration.version, migration.name, sha256(migration.sql), new Date().toISOString()],
      );
      applied.push(migration.version);
    }
    return applied;
  });
}

export async function currentPgVersion(sql: Sql): Promise<number> {
  const row = await sql.get<{ version: number | null }>(
    "SELECT MAX(version) AS version FROM schema_migrations",
  );
  return row?.version ?? 0;
}
