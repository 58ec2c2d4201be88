import type { Memory, MemoryVersion, NewEvent } from "../../core/types.ts";
import { AccessBuffer, type PendingAccess } from "../access-buffer.ts";
import { checkKeyFacts } from "../key-facts.ts";
import {
  MEMORY_COLUMNS,
  type MemoryRow,
  snapshotMemory,
  toMemory,
  toVersion,
  type VersionRow,
} from "../rows/memory-rows.ts";
import { memoryConditions } from "../sql/record-conditions.ts";
import { numberedBind } from "../sql/sql-dialect.ts";
import type {
  KeyedMatch,
  KeyFactsRequest,
  LexicalHit,
  ListOptions,
  MemoryFilter,
  MemoryStore,
  MemoryWrite,
  Supersession,
} from "../store.ts";
import { rankedHits, tooCommon } from "./bm25.ts";
import { writeEvents } from "./event-writer.ts";
import { indexedDocument, insertMemories, lockMemory, updateMemories, updateMemory } from "./memory-store.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { PG_DIALECT } from "./pg-dialect.ts";
import { MEMORY_SPACE, unindexDocuments } from "./search-index.ts";

/** BM25 column weights of a memory's text and its tags, as on SQLite. */
const MEMORY_WEIGHTS = [1.0, 0.5];

/**
 * A filter's conditions as text: a filter asks for no more than the agent's indexed memories (its own,
 * not archived) when its text is the one of the agent alone.
 */
const conditionsText = (filter: MemoryFilter): string =>
  memoryConditions(filter, PG_DIALECT, numberedBind([]));

const toMemoryVersion = (row: VersionRow): MemoryVersion => toVersion(row, snapshotMemory(row.snapshot));

/**
 * The facts of the keys asked about that are true since an instant, in one statement: `columns`
 * (of `m`) with `r.n`, the request's place in the lists from 1. $1 agents, $2 keys, $3 users (null
 * for a key of no user), $4 instants. Each request reads the index by agent, key and user: the user
 * matched by `=` or `IS NULL`, each in a branch only its requests take (`IS NOT DISTINCT FROM` is
 * not an indexable operator).
 */
const keyFactsSql = (columns: string, order: string) =>
  `SELECT r.n, ${columns} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
     AS r(agent_id, key, user_id, since, n)
   CROSS JOIN LATERAL (
     SELECT m.* FROM memories m WHERE r.user_id IS NOT NULL AND m.agent_id = r.agent_id AND m.key = r.key
       AND m.user_id = r.user_id AND (m.valid_to IS NULL OR m.valid_to > r.since) AND m.archived_at IS NULL
     UNION ALL
     SELECT m.* FROM memories m WHERE r.user_id IS NULL AND m.agent_id = r.agent_id AND m.key = r.key
       AND m.user_id IS NULL AND (m.valid_to IS NULL OR m.valid_to > r.since) AND m.archived_at IS NULL
   ) m
   ORDER BY ${order}`;

/** Each request's rows of `keyFactsSql` (`columns`, in `order` within a request), in the requests' order. */
async function readKeyFacts<T>(
  sql: Pick<Sql, "all">,
  requests: readonly KeyFactsRequest[],
  columns: string,
  order: string,
): Promise<T[][]> {
  const out = requests.map((): T[] => []);
  if (requests.length === 0) return out;
  const rows = await sql.all<T & { n: number }>(keyFactsSql(columns, `r.n, ${order}`), [
    requests.map((r) => r.agentId),
    requests.map((r) => r.key),
    requests.map((r) => r.userId),
    requests.map((r) => r.since),
  ]);
  for (const row of rows) out[Number(row.n) - 1]?.push(row);
  return out;
}

const keyLockName = (match: KeyedMatch) => `engram.key:${match.agentId}:${match.userId ?? ""}:${match.key}`;

/**
 * Long-term memories on PostgreSQL. Accesses are gathered and written together about once a second
 * (see AccessBuffer): a search writes nothing, and other servers sharing the database see the
 * counts within a second or so.
 */
export class PgMemoryStore implements MemoryStore {
  readonly #db: PgDatabase;
  readonly #access: AccessBuffer;

  constructor(db: PgDatabase) {
    this.#db = db;
    this.#access = new AccessBuffer((accesses) => writeAccesses(db, accesses));
  }

  async insert(writes: MemoryWrite[], supersession?: Supersession): Promise<void> {
    await this.#db.transaction(async (tx) => {
      if (supersession !== undefined) await supersede(tx, supersession);
      await insertMemories(tx, writes);
    });
  }

  async keyFacts(requests: readonly KeyFactsRequest[]): Promise<Memory[][]> {
    const facts = await readKeyFacts<MemoryRow>(this.#db, requests, MEMORY_COLUMNS, "m.rowid");
    return facts.map((rows) => rows.map((row) => this.#memory(row)));
  }

  async get(agentId: string, id: string): Promise<Memory | null> {
    const row = await this.#db.get<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.id = $1 AND m.agent_id = $2`,
      [id, agentId],
    );
    return row === undefined ? null : this.#memory(row);
  }

  async getMany(agentId: string, ids: readonly string[]): Promise<Memory[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db.all<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.agent_id = $1 AND m.id = ANY($2::text[])`,
      [agentId, [...new Set(ids)]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined ? [] : [this.#memory(row)];
    });
  }

  async update(write: MemoryWrite, expectedVersion: number): Promise<void> {
    await this.#db.transaction((tx) => updateMemory(tx, write, expectedVersion));
  }

  async delete(agentId: string, id: string, version: MemoryVersion, event: NewEvent): Promise<void> {
    await this.#db.transaction((tx) => deleteMemory(tx, agentId, id, version, event));
  }

  async history(agentId: string, id: string): Promise<MemoryVersion[]> {
    const rows = await this.#db.all<VersionRow>(
      "SELECT * FROM memory_versions WHERE memory_id = $1 AND agent_id = $2 ORDER BY version",
      [id, agentId],
    );
    return rows.map(toMemoryVersion);
  }

  async histories(agentId: string, ids: readonly string[]): Promise<Map<string, MemoryVersion[]>> {
    const out = new Map<string, MemoryVersion[]>();
    if (ids.length === 0) return out;
    const rows = await this.#db.all<VersionRow>(
      `SELECT * FROM memory_versions WHERE memory_id = ANY($1::text[]) AND agent_id = $2
       ORDER BY memory_id, version`,
      [[...new Set(ids)], agentId],
    );
    for (const version of rows.map(toMemoryVersion)) {
      const same = out.get(version.memoryId);
      if (same === undefined) out.set(version.memoryId, [version]);
      else same.push(version);
    }
    return out;
  }

  async list(
    filter: MemoryFilter,
    options: ListOptions & { oldestFirst?: boolean | undefined },
  ): Promise<Memory[]> {
    const params: unknown[] = [];
    const bind = numberedBind(params);
    const where = memoryConditions(filter, PG_DIALECT, bind);
    const oldest = options.oldestFirst === true;
    // Ids are time-ordered, so a cursor keeps its place even if the memory it names is deleted;
    // either order walks the (agent_id, id) index from the cursor, reading only the page.
    const cursor = options.after === undefined ? "" : `AND m.id ${oldest ? ">" : "<"} ${bind(options.after)}`;
    const rows = await this.#db.all<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${where} ${cursor}
       ORDER BY m.id ${oldest ? "ASC" : "DESC"} LIMIT ${bind(options.limit)}`,
      params,
    );
    return rows.map((row) => this.#memory(row));
  }

  async tooCommonToRank(agentId: string, terms: readonly string[]): Promise<boolean> {
    return tooCommon(this.#db, MEMORY_SPACE, agentId, terms);
  }

  async searchText(
    filter: MemoryFilter,
    terms: readonly string[],
    limit: number,
  ): Promise<LexicalHit<Memory>[]> {
    return rankedHits<MemoryRow, Memory>(
      this.#db,
      {
        space: MEMORY_SPACE,
        agentId: filter.agentId,
        terms,
        weights: MEMORY_WEIGHTS,
        table: "memories",
        columns: MEMORY_COLUMNS,
        where: (bind) => memoryConditions(filter, PG_DIALECT, bind),
        unfiltered: conditionsText(filter) === conditionsText({ agentId: filter.agentId }),
        limit,
      },
      // As on SQLite (sqlite/own-ranking.ts): a search for one end user that left common terms
      // out ranks that user's own memories again with every term.
      filter.userId === undefined
        ? undefined
        : { userId: filter.userId, only: filter.includeShared === false },
      (row) => this.#memory(row),
    );
  }

  /** Counted in memory and written together soon after (see AccessBuffer); reads here see them. */
  async recordAccess(agentId: string, ids: readonly string[], at: string): Promise<void> {
    this.#access.add(agentId, ids, at);
  }

  /** Writes the accesses gathered so far now (other servers read them from the database). */
  flushAccess(): Promise<void> {
    return this.#access.flush();
  }

  /** Forgets the access counts still waiting for a deleted agent's memories. */
  forgetAgent(agentId: string): void {
    this.#access.discardAgent(agentId);
  }

  /** Writes the access counts still waiting, and stops gathering them: the store is closing. */
  closeAccess(): Promise<void> {
    return this.#access.close();
  }

  async count(agentId: string): Promise<number> {
    return (
      (await this.#db.get<{ n: number }>("SELECT COUNT(*) AS n FROM memories WHERE agent_id = $1", [agentId]))
        ?.n ?? 0
    );
  }

  /** A row as a memory, with the accesses this process has counted but not yet written. */
  #memory(row: MemoryRow): Memory {
    return this.#access.overlay(toMemory(row));
  }
}

/**
 * Adds gathered accesses in one statement, in a transaction that does not wait for the disk (the
 * counts are bookkeeping). The rows are locked in rowid order first, so that servers writing
 * overlapping memories at the same time wait for each other instead of deadlocking.
 */
async function writeAccesses(db: PgDatabase, accesses: readonly PendingAccess[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run("SET LOCAL synchronous_commit = off");
    await tx.run(
      `WITH a AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS a(agent_id, id, n, at)
       ), locked AS MATERIALIZED (
         SELECT m.rowid, a.n, a.at FROM memories m JOIN a ON m.agent_id = a.agent_id AND m.id = a.id
         ORDER BY m.rowid FOR UPDATE OF m
       )
       UPDATE memories m SET access_count = m.access_count + l.n,
         last_accessed_at = CASE WHEN m.last_accessed_at IS NULL OR m.last_accessed_at < l.at THEN l.at
                                 ELSE m.last_accessed_at END
       FROM locked l WHERE m.rowid = l.rowid`,
      [
        accesses.map((a) => a.agentId),
        accesses.map((a) => a.id),
        accesses.map((a) => a.count),
        accesses.map((a) => a.at),
      ],
    );
  });
}

/**
 * Checks, in the caller's transaction, that each key's facts are as read (writers of one key take
 * turns), and closes what keyed writes close. @throws ConflictError when a key's facts moved.
 */
export async function supersede(tx: Sql, supersession: Supersession): Promise<void> {
  if (supersession.keys.length > 0) {
    // Writers of one key take turns, so each sees the open facts the one before it left. A batch
    // takes its keys' locks in one order (by name), so two batches sharing keys wait for each other
    // rather than deadlock.
    const names = [...new Set(supersession.keys.map(keyLockName))].sort();
    await tx.run("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k", [
      names,
    ]);
    const found = await readKeyFacts<{ id: string }>(tx, supersession.keys, "m.id", "m.id");
    supersession.keys.forEach((match, i) => {
      checkKeyFacts(
        (found[i] ?? []).map((row) => row.id),
        match,
      );
    });
  }
  await updateMemories(tx, supersession.closes);
}

/** Removes a memory in the caller's transaction (its history stays). @throws NotFoundError. */
export async function deleteMemory(
  tx: Sql,
  agentId: string,
  id: string,
  version: MemoryVersion,
  event: NewEvent,
): Promise<void> {
  const current = await lockMemory(tx, agentId, id);
  await unindexDocuments(tx, MEMORY_SPACE, indexedDocument(agentId, current));
  await tx.run("DELETE FROM memories WHERE rowid = $1", [current.rowid]);
  await tx.run(
    `INSERT INTO memory_versions (memory_id, version, agent_id, operation, actor, snapshot, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      version.memoryId,
      version.version,
      agentId,
      version.operation,
      version.actor,
      JSON.stringify(version.memory),
      version.createdAt,
    ],
  );
  await writeEvents(tx, [event]);
}
