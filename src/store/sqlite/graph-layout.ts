/**
 * How the entity graph is laid out on SQLite (migration 22). A mention names an entity by its
 * INTEGER id and an item by the `rowid` of its memory or message, at an INTEGER time in ms: about
 * 33 bytes with its index, where a row that repeated the agent id, user, key, item id and an ISO
 * time cost 200. What that form cannot hold is kept as given in `graph_mentions_verbatim`: a
 * mention of an item with no row (yet), of a key with no entity, or at a time not in the canonical
 * form `YYYY-MM-DDTHH:MM:SS.sssZ` (which alone converts to ms and back unchanged). Reads take both.
 */

/** A mention's source as stored in `graph_mentions.source`. */
export const SOURCE_CODE = { memory: 0, message: 1 } as const;

/**
 * A time in ms since the epoch when it is in canonical form, so that it reads back unchanged, else
 * null. Years 0000 to 9999 only: their ISO form has four digits, so ms order is the text order the
 * other backend sorts by.
 */
export function canonicalMs(time: string): number | null {
  const ms = Date.parse(time);
  if (Number.isNaN(ms) || !/^\d{4}-/.test(time) || new Date(ms).toISOString() !== time) return null;
  return ms;
}

/** A stored mention time as the ISO text it was given as. */
export function mentionTime(at: number | string): string {
  return typeof at === "number" ? new Date(at).toISOString() : at;
}

/** The text id of a compact mention's item (`m` the mention's alias), as an SQL expression. */
export function itemIdSql(m: string): string {
  return `CASE ${m}.source WHEN 0 THEN (SELECT id FROM memories WHERE rowid = ${m}.item)
    ELSE (SELECT id FROM messages WHERE rowid = ${m}.item) END`;
}

/** SQL for the canonical time `t` converts to ms (NULL when not canonical), as `canonicalMs` does. */
const msSql = (t: string) =>
  `CASE WHEN ${t} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
     AND strftime('%Y-%m-%dT%H:%M:%fZ', ${t}) = ${t}
   THEN CAST(ROUND((julianday(${t}) - 2440587.5) * 86400000) AS INTEGER) END`;

/** The `rowid` of a mention's item (`v` a verbatim mention's alias), as an SQL expression; NULL when it has no row. */
const itemRowidSql = (v: string) => `CASE ${v}.source
    WHEN 'memory' THEN (SELECT rowid FROM memories WHERE id = ${v}.item_id)
    WHEN 'message' THEN (SELECT rowid FROM messages WHERE id = ${v}.item_id) END`;

/**
 * Migration 22: entities get an INTEGER id, mentions move to the compact form where they can and
 * stay as they were otherwise. All of it runs in the migration's transaction: an interrupted
 * conversion leaves the schema before it, converted again at the next start. Deleting a memory or
 * message drops its compact mentions (triggers), since the graph's own forgetting of a deleted item
 * (an empty record after the row is gone) can no longer find them by id, and a later row may take
 * the same rowid.
 */
export const COMPACT_GRAPH_SQL = `
  ALTER TABLE graph_entities RENAME TO graph_entities_v16;
  ALTER TABLE graph_mentions RENAME TO graph_mentions_v16;
  DROP INDEX graph_mentions_by_item;
  CREATE TABLE graph_entities (
    id INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    user_key TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (agent_id, user_key, key)
  ) STRICT;
  INSERT INTO graph_entities (agent_id, user_key, key, name, type, mentions, first_seen, last_seen)
    SELECT agent_id, user_key, key, name, type, mentions, first_seen, last_seen FROM graph_entities_v16
    ORDER BY agent_id, user_key, key;
  CREATE TABLE graph_mentions (
    entity INTEGER NOT NULL REFERENCES graph_entities(id) ON DELETE CASCADE,
    source INTEGER NOT NULL,
    item INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (entity, source, item)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX graph_mentions_by_item ON graph_mentions(source, item);
  CREATE TABLE graph_mentions_verbatim (
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    user_key TEXT NOT NULL,
    key TEXT NOT NULL,
    source TEXT NOT NULL,
    item_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (agent_id, user_key, key, item_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX graph_mentions_verbatim_by_item ON graph_mentions_verbatim(agent_id, item_id);
  CREATE TEMP TABLE graph_mentions_v16_compact AS
    SELECT v.*, e.id AS entity, v.source = 'message' AS code, ${itemRowidSql("v")} AS item, ${msSql("v.at")} AS ms
    FROM graph_mentions_v16 v
    LEFT JOIN graph_entities e ON e.agent_id = v.agent_id AND e.user_key = v.user_key AND e.key = v.key;
  INSERT INTO graph_mentions (entity, source, item, at)
    SELECT entity, code, item, ms FROM temp.graph_mentions_v16_compact
    WHERE entity IS NOT NULL AND item IS NOT NULL AND ms IS NOT NULL ORDER BY entity, code, item;
  INSERT INTO graph_mentions_verbatim (agent_id, user_key, key, source, item_id, at)
    SELECT agent_id, user_key, key, source, item_id, at FROM temp.graph_mentions_v16_compact
    WHERE entity IS NULL OR item IS NULL OR ms IS NULL;
  DROP TABLE temp.graph_mentions_v16_compact;
  DROP TABLE graph_mentions_v16;
  DROP TABLE graph_entities_v16;
  CREATE TRIGGER graph_forgets_deleted_memory AFTER DELETE ON memories BEGIN
    UPDATE graph_entities SET mentions = mentions - 1
      WHERE id IN (SELECT entity FROM graph_mentions WHERE source = 0 AND item = OLD.rowid);
    DELETE FROM graph_mentions WHERE source = 0 AND item = OLD.rowid;
  END;
  CREATE TRIGGER graph_forgets_deleted_message AFTER DELETE ON messages BEGIN
    UPDATE graph_entities SET mentions = mentions - 1
      WHERE id IN (SELECT entity FROM graph_mentions WHERE source = 1 AND item = OLD.rowid);
    DELETE FROM graph_mentions WHERE source = 1 AND item = OLD.rowid;
  END;
`;
