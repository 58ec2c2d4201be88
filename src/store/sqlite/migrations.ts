import type { DatabaseSync } from "node:sqlite";
import { EngramError } from "../../core/errors.ts";
import { sha256 } from "../../core/hash.ts";
import { COMPACT_EVENTS_SQL } from "./event-layout.ts";
import { COMPACT_GRAPH_SQL } from "./graph-layout.ts";
import { ensureColumn, ensureKeyColumn } from "./key-column.ts";
import { convertToLeanHistory } from "./lean-history.ts";
import { reindexSameSpeakerTurns } from "./speaker-turns.ts";
import { renameDuplicateAgents } from "./unique-agent-names.ts";
import { ensureCreatedByColumn, IMPLY_CREATIONS_SQL } from "./version-rows.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Data fixes the SQL needs first, in the same transaction (not part of the checksum). */
  prepare?: (db: DatabaseSync) => void;
}

/** Ordered, append-only. Never edit a released migration: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "projects, agents, block history, events",
    sql: `
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        model TEXT,
        instructions TEXT NOT NULL,
        metadata TEXT NOT NULL,
        default_branch TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX agents_by_project ON agents(project_id, id);

      CREATE TABLE commits (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        parent_id TEXT,
        tree_hash TEXT NOT NULL,
        tree TEXT NOT NULL,
        author TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, id)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX commits_by_seq ON commits(agent_id, seq);

      CREATE TABLE blobs (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (agent_id, hash)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE branches (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, name)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        project_id TEXT NOT NULL,
        agent_id TEXT,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        before TEXT,
        after TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX events_by_agent ON events(agent_id, seq);
      CREATE INDEX events_by_project ON events(project_id, seq);
    `,
  },
  {
    version: 2,
    name: "long-term memories, messages, full-text and vector indexes",
    // Full-text tables are contentless: engram indexes its own analysed, agent-namespaced terms
    // (src/store/sqlite/fts.ts) and keeps them in step with the rows in the same transactions.
    sql: `
      CREATE TABLE memories (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        user_id TEXT,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL,
        importance REAL NOT NULL,
        valid_from TEXT,
        valid_to TEXT,
        provenance TEXT NOT NULL,
        metadata TEXT NOT NULL,
        version INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        access_count INTEGER NOT NULL DEFAULT 0,
        last_accessed_at TEXT,
        created_at TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX memories_by_agent ON memories(agent_id, id);

      CREATE TABLE memory_versions (
        memory_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        operation TEXT NOT NULL,
        actor TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (memory_id, version)
      ) STRICT, WITHOUT ROWID;

      CREATE VIRTUAL TABLE memories_fts USING fts5(terms, tag_terms, content = '', contentless_delete = 1, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'");
      CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, row);

      CREATE TABLE messages (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        user_id TEXT,
        role TEXT NOT NULL,
        name TEXT,
        session_id TEXT,
        content TEXT NOT NULL,
        provenance TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX messages_by_agent ON messages(agent_id, rowid);

      CREATE INDEX messages_by_name ON messages(agent_id, name);

      CREATE VIRTUAL TABLE messages_fts USING fts5(
        terms, caption_terms, prev_terms, next_terms, window_terms, date_terms, content = '', contentless_delete = 1, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'");
      CREATE VIRTUAL TABLE messages_vocab USING fts5vocab(messages_fts, row);
      CREATE VIRTUAL TABLE messages_vocab_col USING fts5vocab(messages_fts, col);

      CREATE TABLE embedding_cache (
        model TEXT NOT NULL,
        hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, hash)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: "episodes, experience records, insights",
    sql: `
      CREATE TABLE episodes (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        task TEXT NOT NULL,
        status TEXT NOT NULL,
        final_observation TEXT,
        total_reward REAL NOT NULL,
        success INTEGER,
        metadata TEXT NOT NULL,
        step_count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX episodes_by_agent ON episodes(agent_id, rowid);

      CREATE TABLE episode_steps (
        episode_rowid INTEGER NOT NULL REFERENCES episodes(rowid) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        observation TEXT NOT NULL,
        available_actions TEXT NOT NULL,
        action TEXT NOT NULL,
        reward REAL NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (episode_rowid, idx)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE experience_records (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        task TEXT NOT NULL,
        observation TEXT NOT NULL,
        actions TEXT NOT NULL,
        best_history TEXT NOT NULL,
        best_return REAL,
        visits INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (agent_id, key)
      ) STRICT;

      CREATE TABLE insights (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX insights_by_agent ON insights(agent_id, count DESC);
    `,
  },
  {
    version: 5,
    name: "API keys",
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      ) STRICT;
      CREATE INDEX api_keys_by_project ON api_keys(project_id, id);
    `,
  },
  {
    version: 6,
    name: "archived memories, the job queue, sleep-time trigger watermarks",
    // Archived memories keep their row (and history) but leave the full-text index; the queue's
    // (agent, idempotency key) is unique so enqueueing the same key twice yields one job.
    sql: `
      ALTER TABLE memories ADD COLUMN archived_at TEXT;
      CREATE INDEX memories_archived ON memories(agent_id, archived_at) WHERE archived_at IS NOT NULL;

      CREATE TABLE jobs (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        project_id TEXT NOT NULL,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        idempotency_key TEXT,
        trigger TEXT NOT NULL,
        payload TEXT NOT NULL,
        result TEXT,
        error TEXT,
        run_after TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        lease_expires_at TEXT,
        checkpoint_seq INTEGER,
        checkpoint_commit TEXT
      ) STRICT;
      CREATE UNIQUE INDEX jobs_by_key ON jobs(agent_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX jobs_by_agent ON jobs(agent_id, id);
      CREATE INDEX jobs_by_project ON jobs(project_id, id);
      CREATE INDEX jobs_due ON jobs(status, run_after) WHERE status IN ('queued', 'running');

      CREATE TABLE job_watermarks (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (agent_id, source)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: "self-evolution runs and candidates",
    sql: `
      CREATE TABLE evolution_runs (
        id TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        branch TEXT NOT NULL,
        seed INTEGER NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        round INTEGER NOT NULL,
        state TEXT NOT NULL,
        report TEXT,
        error TEXT,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX evolution_runs_by_agent ON evolution_runs(agent_id, id);

      CREATE TABLE evolution_candidates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        run_id TEXT NOT NULL REFERENCES evolution_runs(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        round INTEGER NOT NULL,
        parent_ids TEXT NOT NULL,
        operation TEXT NOT NULL,
        component TEXT,
        context TEXT NOT NULL,
        changes TEXT NOT NULL,
        evaluation TEXT NOT NULL,
        aggregate REAL,
        held_out REAL,
        baseline REAL,
        decision TEXT NOT NULL,
        reason TEXT,
        commit_id TEXT,
        created_at TEXT NOT NULL,
        decided_at TEXT
      ) STRICT;
      CREATE INDEX evolution_candidates_by_run ON evolution_candidates(run_id, seq);
    `,
  },
  {
    version: 8,
    name: "turn leases: one turn at a time per conversation across processes",
    sql: `
      CREATE TABLE turn_leases (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        conversation TEXT NOT NULL,
        holder TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        PRIMARY KEY (agent_id, conversation)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: "agent names unique within a project",
    prepare: renameDuplicateAgents,
    sql: "CREATE UNIQUE INDEX agents_by_name ON agents(project_id, name);",
  },
  {
    version: 10,
    name: "no persistent embedding cache: an item's vector is kept once, in its vector table",
    // The cache held a second copy of every stored vector (and of every query's), keyed by model
    // and text hash. Vectors already live in memory_vectors and message_vectors, dropped whenever
    // their item's text changes, so nothing needs re-embedding; recent embeddings are now cached
    // in memory per engine. The freed pages are reused by later writes (VACUUM returns them).
    sql: "DROP TABLE embedding_cache;",
  },
  {
    version: 11,
    name: "turn leases name their owner, not a process: they hold across machines",
    // A lease used to name a process id, checked with a signal, which only works on one machine.
    // It now names the engine instance that holds it and lapses unless renewed. Leases are
    // transient (held for one turn), so the table is rebuilt rather than converted: a turn running
    // through the upgrade is not one the new code could renew anyway.
    sql: `
      DROP TABLE turn_leases;
      CREATE TABLE turn_leases (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        conversation TEXT NOT NULL,
        holder TEXT NOT NULL,
        owner TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        PRIMARY KEY (agent_id, conversation)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 12,
    name: "webhooks: destinations of a project's events, with their delivery log",
    // The secret is kept as given: every delivery is signed with it (HMAC), so a hash would not do.
    // `cursor` is the last event seq sent (or given up on); the lease lets one server of many deliver.
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        disabled_reason TEXT,
        consecutive_failures INTEGER NOT NULL,
        cursor INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_ms INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX webhooks_by_project ON webhooks(project_id, id);
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_seq INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        event_kind TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status INTEGER,
        ok INTEGER NOT NULL,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);
    `,
  },
  {
    version: 13,
    name: "memory history stored once: versions refer to their row, events to their version",
    // A memory's current version refers to its row instead of copying it, and a memory event's
    // before/after to the version it records (src/store/sqlite/memory-snapshot.ts and
    // memory-event-refs.ts); `content_hash` was written but never read. Reads are unchanged.
    prepare: convertToLeanHistory,
    sql: "ALTER TABLE memories DROP COLUMN content_hash;",
  },
  {
    version: 14,
    name: "leader leases: roles one engine at a time holds, such as running the sleep-time schedule",
    // Like turn leases, a lease names the engine instance holding it and lapses unless renewed.
    sql: `
      CREATE TABLE leader_leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 15,
    name: "keyed facts: a memory's key, and the facts of a key found at once",
    // Memories with no validFrom keep none: readers take their creation time (docs/retrieval.md).
    prepare: ensureKeyColumn,
    sql: `
      CREATE INDEX IF NOT EXISTS memories_by_key ON memories (agent_id, key)
        WHERE key IS NOT NULL;
    `,
  },
  {
    version: 16,
    name: "entity graph: entities, their mentions in memories and messages, and relations with validity",
    // Keyed by (agent, user): a graph learned from one user's messages is never read for another's.
    sql: `
      CREATE TABLE graph_entities (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        mentions INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (agent_id, user_key, key)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE graph_mentions (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        key TEXT NOT NULL,
        source TEXT NOT NULL,
        item_id TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (agent_id, user_key, key, item_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX graph_mentions_by_item ON graph_mentions(agent_id, item_id);
      CREATE TABLE graph_relations (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        type TEXT NOT NULL,
        weight INTEGER NOT NULL,
        valid_from TEXT NOT NULL,
        valid_to TEXT,
        provenance TEXT NOT NULL,
        PRIMARY KEY (agent_id, user_key, source, target, type)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX graph_relations_by_target ON graph_relations(agent_id, user_key, target);
    `,
  },
  {
    version: 17,
    name: "shared blocks: blocks owned by a project, attached to several of its agents, with their edits",
    // Each attached agent also carries the block in its own tree (an entry with `sharedId`), so reads
    // need none of this; these tables say who carries it and record each edit across agents.
    sql: `
      CREATE TABLE shared_blocks (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        value TEXT NOT NULL,
        description TEXT NOT NULL,
        char_limit INTEGER NOT NULL,
        read_only INTEGER NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX shared_blocks_by_project ON shared_blocks(project_id, id);
      CREATE TABLE block_attachments (
        block_id TEXT NOT NULL REFERENCES shared_blocks(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        read_only INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, block_id),
        UNIQUE (agent_id, label)
      ) STRICT;
      CREATE INDEX block_attachments_by_block ON block_attachments(block_id, agent_id);
      CREATE TABLE shared_block_edits (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        block_id TEXT NOT NULL REFERENCES shared_blocks(id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL,
        author TEXT NOT NULL,
        message TEXT NOT NULL,
        value_hash TEXT NOT NULL,
        commits TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX shared_block_edits_by_block ON shared_block_edits(block_id, seq);
    `,
  },
  {
    version: 18,
    name: "groups: agents of a project working together, with their members in order",
    // A group goes with its project and with its manager; a member agent deleted leaves the group.
    sql: `
      CREATE TABLE agent_groups (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        pattern TEXT NOT NULL,
        manager_id TEXT REFERENCES agents(id) ON DELETE CASCADE,
        max_turns INTEGER,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX agent_groups_by_project ON agent_groups(project_id, id);
      CREATE TABLE agent_group_members (
        group_id TEXT NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        responder TEXT,
        PRIMARY KEY (group_id, position)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX agent_group_members_by_agent ON agent_group_members(agent_id);
    `,
  },
  {
    version: 19,
    name: "MCP servers: where each agent takes tools from",
    // The configuration (command or URL, env or headers, tool allowlist, time-out) is one JSON text:
    // it is read and written whole. Env and header values are kept as given, as the server needs them.
    sql: `
      CREATE TABLE agent_mcp_servers (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, name)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 20,
    name: "images of messages, stored once per agent by the SHA-256 of their bytes",
    // A rowid table: images are large rows, which a WITHOUT ROWID table would copy into its b-tree.
    sql: `
      CREATE TABLE images (
        agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        caption TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, sha256)
      ) STRICT;
    `,
  },
  {
    version: 21,
    name: "a memory's creating version is implied by its row while the memory is as created",
    // Most memories never change: their one version is exactly their row, and its own row in
    // memory_versions cost 128 bytes a memory for nothing. `created_by` holds that version's actor
    // (src/store/sqlite/version-rows.ts); reads are unchanged.
    prepare: ensureCreatedByColumn,
    sql: IMPLY_CREATIONS_SQL,
  },
  {
    version: 22,
    name: "entity graph: entities by INTEGER id, mentions by entity, item rowid and time in ms",
    // A mention row repeated the agent, user, key, item id and an ISO time, with a second index by
    // item: a fifth of the file. See graph-layout.ts for the form, and what is still kept as given.
    sql: COMPACT_GRAPH_SQL,
  },
  {
    version: 23,
    name: "event log: projects and agents by INTEGER number, no index on the event id",
    // The row and its two indexes repeated 30-character project and agent ids (337 bytes an event
    // with the unread UNIQUE index on id). See event-layout.ts for the form.
    sql: COMPACT_EVENTS_SQL,
  },
  {
    version: 24,
    name: "entity graph: entities no item names any more, found without reading the others",
    // An item recorded again (edited, closed, archived, deleted) may leave an entity with no
    // mention and no relation; the graph store drops those, as a rebuild would not make them.
    sql: "CREATE INDEX graph_entities_unmentioned ON graph_entities(agent_id) WHERE mentions <= 0;",
  },
  {
    version: 25,
    name: "keyed facts found by agent, key and user",
    // A keyed write reads its user's facts of the key; by agent and key alone it read every user's
    // (5,000 rows a write for 500 users of one key).
    sql: `
      DROP INDEX memories_by_key;
      CREATE INDEX memories_by_key ON memories (agent_id, key, user_id) WHERE key IS NOT NULL;
    `,
  },
  {
    version: 26,
    name: "an end user's memories found by agent and user",
    // A search for one user that leaves common terms out ranks that user's own memories with every
    // term (term-choice.ts): found through this index, its cost is the user's, not the agent's.
    // Memories of no user are not in it, so writing them costs nothing more.
    sql: "CREATE INDEX IF NOT EXISTS memories_by_user ON memories (agent_id, user_id) WHERE user_id IS NOT NULL;",
  },
  {
    version: 27,
    name: "an end user's messages found by agent and user",
    // One user's conversation (the context's recent messages, a listing, a search that ranks the
    // user's own messages with every term) is read through this index, newest first by rowid,
    // rather than by walking every user's messages of the agent. Messages of no user are not in it.
    sql: "CREATE INDEX IF NOT EXISTS messages_by_user ON messages (agent_id, user_id) WHERE user_id IS NOT NULL;",
  },
  {
    version: 28,
    name: "messages of no end user found by agent",
    // The other half of migration 27: a conversation of no user (the turns before a new one, which
    // index it with its neighbours) is read newest first through this index, past every user's
    // messages of the agent. Messages of a user are not in it.
    sql: "CREATE INDEX IF NOT EXISTS messages_without_user ON messages (agent_id) WHERE user_id IS NULL;",
  },
  {
    version: 29,
    name: "the agent's shared memories found by agent",
    // The other half of migration 26: a search for one user that admits the agent's shared
    // memories (of no user) counts and reads them through this index when they are few, rather than
    // walking the agent's best matches for the user's and the shared ones. Memories of a user are
    // not in it.
    sql: "CREATE INDEX IF NOT EXISTS memories_shared ON memories (agent_id) WHERE user_id IS NULL;",
  },
  {
    version: 30,
    name: "a message's previous and next turns indexed only when another speaker said them",
    // One speaker's run of turns is no exchange (src/store/rows/message-fields.ts): the messages
    // next to a turn by their own speaker are indexed again (speaker-turns.ts). The SQL records
    // the step; the data change is all in `prepare`.
    prepare: reindexSameSpeakerTurns,
    sql: "-- messages next to a turn by their own speaker re-indexed by prepare",
  },
  {
    version: 31,
    name: "an end user's speaker names found by agent and user",
    // Conversation search for one user takes the names of that user's conversations' speakers out
    // of the query, never another user's: their distinct names are read with one seek each.
    sql: "CREATE INDEX IF NOT EXISTS messages_user_names ON messages (agent_id, user_id, name) WHERE user_id IS NOT NULL AND name IS NOT NULL;",
  },
  {
    version: 32,
    name: "webhooks: the tries begun on the event being delivered",
    // Counted when each try begins, by whichever server holds the webhook, so tries whose outcome was
    // never recorded (their server lost its lease or stopped) still use up the event's attempts. The
    // columns are added by `prepare`, each only when missing, so that the step can run again.
    prepare: (db) => {
      ensureColumn(db, "webhooks", "trying_seq", "INTEGER");
      ensureColumn(db, "webhooks", "tries", "INTEGER NOT NULL DEFAULT 0");
    },
    sql: "-- webhooks.trying_seq and webhooks.tries added by prepare",
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Brings the database to the latest schema. Each migration runs in its own IMMEDIATE transaction,
 * which also serialises concurrent openers; running again is a no-op.
 * @throws EngramError `database_too_new` when the database was written by a newer engram.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const latest = migrations.at(-1)?.version ?? 0;
  const applied: number[] = [];
  for (const migration of migrations) {
    db.exec("BEGIN IMMEDIATE");
    try {
      const current = currentVersion(db);
      if (current > latest) {
        throw new EngramError(
          "database_too_new",
          `the database is at schema version ${current}, but this engram knows versions up to ${latest}: upgrade engram to open it`,
        );
      }
      const row = db
        .prepare("SELECT checksum FROM schema_migrations WHERE version = ?")
        .get(migration.version);
      if (row === undefined) {
        migration.prepare?.(db);
        db.exec(migration.sql);
        db.prepare(
          "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
        ).run(migration.version, migration.name, sha256(migration.sql), new Date().toISOString());
        applied.push(migration.version);
      }
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
  if (migrations.length === 0 && currentVersion(db) > latest) {
    throw new EngramError("database_too_new", `the database is newer than this engram (schema ${latest})`);
  }
  return applied;
}

export function currentVersion(db: DatabaseSync): number {
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as
    | { version: number | null }
    | undefined;
  return row?.version ?? 0;
}
