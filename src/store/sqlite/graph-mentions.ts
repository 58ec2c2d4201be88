import type { SQLInputValue } from "node:sqlite";
import type { EntityMention } from "../../core/graph-types.ts";
import type { GraphUsers } from "../graph-store.ts";
import { type MentionRow, toMention, userKey } from "../rows/graph-rows.ts";
import { insertRows } from "./batch-insert.ts";
import { canonicalMs, itemIdSql, mentionTime, SOURCE_CODE } from "./graph-layout.ts";
import type { Statements } from "./statements.ts";
import { WrittenRows } from "./written-rows.ts";

/** Mentions as the graph store writes them (see graph-layout.ts for the two forms). */
export interface MentionInput {
  user: string;
  key: string;
  source: string;
  id: string;
  at: string;
}

type Source = keyof typeof SOURCE_CODE;
const SOURCES = Object.keys(SOURCE_CODE) as Source[];
const TABLE_OF: Record<Source, string> = { memory: "memories", message: "messages" };

const json = (values: readonly unknown[]) => JSON.stringify(values);

/** Items by source and id, as the store looks up their rows. */
export type ItemIds = Map<Source, Set<string>>;

/** The items the records or mentions name, grouped by source (an unknown source has no rows). */
export function itemIds(items: Iterable<{ source: string; id: string }>): ItemIds {
  const out: ItemIds = new Map();
  for (const { source, id } of items) {
    if (!(source in SOURCE_CODE)) continue;
    const ids = out.get(source as Source) ?? new Set();
    ids.add(id);
    out.set(source as Source, ids);
  }
  return out;
}

/**
 * The `rowid` of each item that has a row, by source and id: those the caller's unit of work has
 * just written from `written`, the others read in one statement per source.
 */
export function resolveItems(
  s: Statements,
  items: ItemIds,
  written: WrittenRows = new WrittenRows(),
): Map<Source, Map<string, number>> {
  const out = new Map<Source, Map<string, number>>();
  for (const [source, ids] of items) {
    const { rowids: found, unknown } = written.known(source, ids);
    if (unknown.length > 0) {
      const statement = s.prepare(
        `SELECT id, rowid FROM ${TABLE_OF[source]} WHERE id IN (SELECT value FROM json_each(?))`,
      );
      // Arrays, not objects: a batch reads a thousand of these.
      statement.setReturnArrays(true);
      for (const [id, rowid] of statement.all(json(unknown)) as unknown as [string, number][])
        found.set(id, rowid);
    }
    out.set(source, found);
  }
  return out;
}

/** The entities one item named, by user and key. */
export type NamedEntity = { user: string; key: string };

/**
 * Drops the agent's earlier mentions of these items, in both forms, and their entities' counts
 * with them. Another agent's mentions of the same item (a project memory) stay. Returns the
 * entities each item named, by user and key (each once an item).
 */
export function forgetMentions(
  s: Statements,
  agentId: string,
  ids: readonly string[],
  rowids: Map<Source, Map<string, number>>,
): NamedEntity[][] {
  const named = new Map<string, Map<string, NamedEntity>>();
  // Entities whose first or last sighting goes with these mentions: seen again from the rest.
  const bounds = new Set<number>();
  const note = (item: string, user: string, key: string) => {
    const entities = named.get(item) ?? new Map<string, NamedEntity>();
    entities.set(entityRef(user, key), { user, key });
    named.set(item, entities);
  };
  for (const [source, byId] of rowids) {
    if (byId.size === 0) continue;
    const idOf = new Map([...byId].map(([id, rowid]) => [rowid, id]));
    const gone = s.all<Sighted & { entity: number; item: number; at: number }>(
      `SELECT m.entity, m.item, m.at, e.user_key, e.key, e.first_seen, e.last_seen
       FROM graph_mentions m JOIN graph_entities e ON e.id = m.entity
       WHERE m.source = ? AND m.item IN (SELECT value FROM json_each(?)) AND e.agent_id = ?`,
      SOURCE_CODE[source],
      json([...byId.values()]),
      agentId,
    );
    for (const m of gone) {
      note(idOf.get(m.item) ?? `${source}:${m.item}`, m.user_key, m.key);
      if (atBound(m, mentionTime(m.at))) bounds.add(m.entity);
      s.run("UPDATE graph_entities SET mentions = mentions - 1 WHERE id = ?", m.entity);
      s.run(
        "DELETE FROM graph_mentions WHERE entity = ? AND source = ? AND item = ?",
        m.entity,
        SOURCE_CODE[source],
        m.item,
      );
    }
  }
  const list = json(ids);
  const verbatim = s.all<Sighted & { item_id: string; at: string; entity: number | null }>(
    `SELECT v.item_id, v.user_key, v.key, v.at, e.id AS entity, e.first_seen, e.last_seen
     FROM graph_mentions_verbatim v
     LEFT JOIN graph_entities e ON e.agent_id = v.agent_id AND e.user_key = v.user_key AND e.key = v.key
     WHERE v.agent_id = ? AND v.item_id IN (SELECT value FROM json_each(?))`,
    agentId,
    list,
  );
  for (const m of verbatim) {
    note(m.item_id, m.user_key, m.key);
    if (m.entity !== null && atBound(m, m.at)) bounds.add(m.entity);
  }
  if (verbatim.length > 0) forgetVerbatim(s, agentId, list);
  for (const entity of bounds) seeAgain(s, entity);
  return [...named.values()].map((entities) => [...entities.values()]);
}

/** Drops the verbatim mentions of these items (ids as a JSON list), and their entities' counts. */
function forgetVerbatim(s: Statements, agentId: string, list: string): void {
  s.run(
    `UPDATE graph_entities SET mentions = graph_entities.mentions - gone.n
     FROM (SELECT user_key, key, COUNT(*) AS n FROM graph_mentions_verbatim
           WHERE agent_id = ?1 AND item_id IN (SELECT value FROM json_each(?2)) GROUP BY user_key, key) AS gone
     WHERE graph_entities.agent_id = ?1 AND graph_entities.user_key = gone.user_key AND graph_entities.key = gone.key`,
    agentId,
    list,
  );
  s.run(
    "DELETE FROM graph_mentions_verbatim WHERE agent_id = ? AND item_id IN (SELECT value FROM json_each(?))",
    agentId,
    list,
  );
}

/** An entity a mention names, with its sightings. */
interface Sighted {
  user_key: string;
  key: string;
  first_seen: string | null;
  last_seen: string | null;
}

/** Whether a mention at `time` is its entity's first or last sighting. */
const atBound = (m: Sighted, time: string) => time === m.first_seen || time === m.last_seen;

/**
 * Sets an entity's first and last sightings from the mentions it has left, in both forms (read
 * through their keys: the entity's compact mentions, its verbatim ones); unchanged when none is
 * left (the entity goes, or stays for its relations). Run only when a mention at one of them went,
 * so an entity many items name is read again only when its first or last item changes.
 */
function seeAgain(s: Statements, entity: number): void {
  const row = s.get<{
    first_ms: number | null;
    last_ms: number | null;
    first: string | null;
    last: string | null;
  }>(
    `SELECT (SELECT MIN(at) FROM graph_mentions WHERE entity = ?1) AS first_ms,
            (SELECT MAX(at) FROM graph_mentions WHERE entity = ?1) AS last_ms,
            MIN(v.at) AS first, MAX(v.at) AS last
     FROM graph_entities e LEFT JOIN graph_mentions_verbatim v
       ON v.agent_id = e.agent_id AND v.user_key = e.user_key AND v.key = e.key
     WHERE e.id = ?1`,
    entity,
  );
  if (row === undefined) return;
  const times = [row.first_ms, row.last_ms].flatMap((ms) => (ms === null ? [] : [mentionTime(ms)]));
  for (const t of [row.first, row.last]) if (t !== null) times.push(t);
  times.sort();
  const [first, last] = [times[0], times.at(-1)];
  if (first === undefined || last === undefined) return;
  s.run("UPDATE graph_entities SET first_seen = ?, last_seen = ? WHERE id = ?", first, last, entity);
}

/**
 * Writes mentions, each in the compact form when its entity is known (`entities`, by user and key),
 * its item has a row and its time is canonical, else as given. The caller has removed any earlier
 * mention of the same entity and item.
 */
export function insertMentions(
  s: Statements,
  agentId: string,
  mentions: readonly MentionInput[],
  entities: ReadonlyMap<string, number>,
  rowids: Map<Source, Map<string, number>>,
): void {
  const compact: [number, number, number, number][] = [];
  const verbatim: SQLInputValue[] = [];
  // A batch's items mostly share a few times (those written together).
  const times = new Map<string, number | null>();
  for (const m of mentions) {
    const entity = entities.get(entityRef(m.user, m.key));
    const item = rowids.get(m.source as Source)?.get(m.id);
    let ms = times.get(m.at);
    if (ms === undefined) {
      ms = canonicalMs(m.at);
      times.set(m.at, ms);
    }
    if (entity !== undefined && item !== undefined && ms !== null)
      compact.push([entity, SOURCE_CODE[m.source as Source], item, ms]);
    else verbatim.push(agentId, m.user, m.key, m.source, m.id, m.at);
  }
  // In key order: each batch then appends to the b-tree's pages in one pass.
  compact.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const values: number[] = [];
  for (const row of compact) values.push(...row);
  insertRows(s, "INSERT INTO graph_mentions (entity, source, item, at)", 4, values);
  insertRows(
    s,
    "INSERT INTO graph_mentions_verbatim (agent_id, user_key, key, source, item_id, at)",
    6,
    verbatim,
  );
}

/** How an entity is found in the map `insertMentions` takes: its user and key. */
export function entityRef(user: string, key: string): string {
  return `${user}\u0000${key}`;
}

/**
 * Mentions of these keys, newest first (ties by item id), at most `limit`. The compact mentions are
 * ranked by time alone, as integers; those tied with the last one kept are all read, and only the
 * ones kept have their entity and item id looked up, in one query per table.
 */
export function readMentions(
  s: Statements,
  agentId: string,
  users: GraphUsers,
  keys: readonly string[],
  limit: number,
): EntityMention[] {
  const params = [agentId, json(users.map(userKey)), json(keys)] as const;
  const entities = arrays<[number, string, string]>(
    s,
    `SELECT id, user_key, key FROM graph_entities
     WHERE agent_id = ?1 AND user_key IN (SELECT value FROM json_each(?2)) AND key IN (SELECT value FROM json_each(?3))`,
    ...params,
  );
  const compact = entities.length === 0 ? [] : newestCompact(s, entities, limit);
  const verbatim = s
    .all<MentionRow>(
      `SELECT user_key, key, source, item_id, at FROM graph_mentions_verbatim
       WHERE agent_id = ?1 AND user_key IN (SELECT value FROM json_each(?2))
         AND key IN (SELECT value FROM json_each(?3))
       ORDER BY at DESC, item_id LIMIT ?4`,
      ...params,
      limit,
    )
    .map(toMention);
  if (verbatim.length === 0) return compact;
  return [...compact, ...verbatim].sort(newestFirst).slice(0, limit);
}

function newestCompact(s: Statements, entities: [number, string, string][], limit: number): EntityMention[] {
  const rows = arrays<[number, number, number, number]>(
    s,
    `WITH top AS MATERIALIZED (SELECT entity, source, item, at FROM graph_mentions
       WHERE entity IN (SELECT value FROM json_each(?1)) ORDER BY at DESC LIMIT ?2)
     SELECT entity, source, item, at FROM top WHERE at > (SELECT MIN(at) FROM top)
     UNION ALL
     SELECT entity, source, item, at FROM graph_mentions
     WHERE entity IN (SELECT value FROM json_each(?1)) AND at = (SELECT MIN(at) FROM top)`,
    json(entities.map((e) => e[0])),
    limit,
  );
  const byId = new Map(entities.map((e) => [e[0], e]));
  const ids = SOURCES.map((source, code) => {
    const items = rows.filter((r) => r[1] === code).map((r) => r[2]);
    if (items.length === 0) return new Map<number, string>();
    const sql = `SELECT rowid, id FROM ${TABLE_OF[source]} WHERE rowid IN (SELECT value FROM json_each(?))`;
    return new Map(arrays<[number, string]>(s, sql, json(items)));
  });
  return rows
    .map(([entity, code, item, at]) => ({ entity, code, at, id: ids[code]?.get(item) ?? "" }))
    .sort((a, b) => b.at - a.at || byteOrder(a.id, b.id))
    .slice(0, limit)
    .map(({ entity, code, at, id }) => {
      const user = byId.get(entity)?.[1] ?? "";
      return {
        key: byId.get(entity)?.[2] ?? "",
        userId: user === "" ? null : user,
        source: SOURCES[code] ?? "memory",
        id,
        at: mentionTime(at),
      };
    });
}

/** Rows as arrays, not objects: reads of a search return hundreds. */
function arrays<T>(s: Statements, sql: string, ...params: SQLInputValue[]): T[] {
  const statement = s.prepare(sql);
  statement.setReturnArrays(true);
  return statement.all(...params) as unknown as T[];
}

/** The agent's mentions in both forms, by user, key and item id, as `dump` returns them. */
export function dumpMentions(s: Statements, agentId: string): EntityMention[] {
  return s
    .all<CompactRow>(
      `SELECT e.user_key, e.key, m.source, ${itemIdSql("m")} AS item_id, m.at
       FROM graph_entities e JOIN graph_mentions m ON m.entity = e.id WHERE e.agent_id = ?1
       UNION ALL
       SELECT user_key, key, source, item_id, at FROM graph_mentions_verbatim WHERE agent_id = ?1
       ORDER BY 1, 2, 4`,
      agentId,
    )
    .map(fromCompact);
}

interface CompactRow {
  user_key: string;
  key: string;
  source: number | string;
  item_id: string;
  at: number | string;
}

function fromCompact(row: CompactRow): EntityMention {
  return {
    key: row.key,
    userId: row.user_key === "" ? null : row.user_key,
    source: typeof row.source === "number" ? (SOURCES[row.source] ?? "memory") : (row.source as Source),
    id: row.item_id,
    at: mentionTime(row.at),
  };
}

/** Newest first, then by item id in byte order, as both backends sort text. */
function newestFirst(a: EntityMention, b: EntityMention): number {
  return byteOrder(b.at, a.at) || byteOrder(a.id, b.id);
}

/** Text in byte order (UTF-8, as SQLite and PostgreSQL's "C" collation sort it), without encoding it. */
function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i === n ? a.length - b.length : codePointRank(a.charCodeAt(i)) - codePointRank(b.charCodeAt(i));
}

/** UTF-16 units ranked as UTF-8 orders them: surrogates (code points past U+FFFF) after U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}
