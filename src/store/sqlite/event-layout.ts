/**
 * How the event log is laid out on SQLite (migration 23). An event names its project and agent by
 * small integers from `event_owners` (`n` ↔ the text id), so the row and its two indexes hold a
 * byte or two each where they held four 30-character ids in all. Owners are never deleted: the audit
 * log outlives the agents and projects it names. `id` is not indexed: nothing looks an event up by
 * it. `seq` keeps its AUTOINCREMENT and its high-water mark, so a sequence number is never reused.
 */

/** The columns of an event as `EventRow` reads them, from `events e` with its owners' text ids. */
export const EVENT_ROW_SQL = `SELECT e.seq, e.id, p.id AS project_id, a.id AS agent_id, e.actor, e.kind,
    e.target_type, e.target_id, e.before, e.after, e.created_at
  FROM events e JOIN event_owners p ON p.n = e.project LEFT JOIN event_owners a ON a.n = e.agent`;

/** The number of owner id `?` as an SQL expression (NULL when it has none: it matches no event). */
export const OWNER_SQL = "(SELECT n FROM event_owners WHERE id = ?)";

/**
 * Migration 23: the log moves to the compact form in the migration's transaction, so an interrupted
 * conversion leaves the schema before it, converted again at the next start. The converted rows wait
 * in a temporary table while the old one is dropped, so that the new table reuses its pages instead
 * of growing the file by its size. Dropping the old table drops its `sqlite_sequence` entry: the new
 * one takes over its mark, since copying rows only raises the mark to the highest seq left, below it
 * when the newest events were deleted.
 */
export const COMPACT_EVENTS_SQL = `
  CREATE TABLE event_owners (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE
  ) STRICT;
  INSERT INTO event_owners (id)
    SELECT project_id FROM events UNION SELECT agent_id FROM events WHERE agent_id IS NOT NULL;
  CREATE TEMP TABLE events_compact AS
    SELECT e.seq, e.id, p.n AS project, a.n AS agent, e.actor, e.kind, e.target_type, e.target_id,
      e.before, e.after, e.created_at
    FROM events e JOIN event_owners p ON p.id = e.project_id LEFT JOIN event_owners a ON a.id = e.agent_id;
  CREATE TEMP TABLE events_mark AS SELECT seq FROM sqlite_sequence WHERE name = 'events';
  DROP TABLE events;
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    project INTEGER NOT NULL,
    agent INTEGER,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    created_at TEXT NOT NULL
  ) STRICT;
  INSERT INTO events SELECT * FROM temp.events_compact ORDER BY seq;
  DELETE FROM sqlite_sequence WHERE name = 'events';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'events', seq FROM temp.events_mark;
  DROP TABLE temp.events_compact;
  DROP TABLE temp.events_mark;
  CREATE INDEX events_by_agent ON events(agent, seq);
  CREATE INDEX events_by_project ON events(project, seq);
`;
