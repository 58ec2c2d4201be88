import type { SQLInputValue } from "node:sqlite";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Memory, MemoryVersion, NewEvent } from "../../core/types.ts";
import { AccessBuffer, type PendingAccess } from "../access-buffer.ts";
import { checkKeyFacts } from "../key-facts.ts";
import { memoryIndexTerms } from "../rows/index-terms.ts";
import {
  contentValues,
  MEMORY_COLUMNS,
  type MemoryRow,
  type MemoryTuple,
  tagsColumn,
  toMemory,
  toVersion,
  tupleToMemory,
  type VersionRow,
} from "../rows/memory-rows.ts";
import { memoryConditions as sharedMemoryConditions } from "../sql/record-conditions.ts";
import { positionalBind } from "../sql/sql-dialect.ts";
import type {
  KeyFactsRequest,
  LexicalHit,
  ListOptions,
  MemoryFilter,
  MemoryStore,
  MemoryWrite,
  Supersession,
} from "../store.ts";
import { FEW_OWN_ROWS, mergeOwnHits, POSTING_BUDGET } from "../term-choice.ts";
import { insertEachRow, insertRows } from "./batch-insert.ts";
import { inReadTransaction, inTransaction, inWriteTransaction, withoutFsync } from "./database.ts";
import { EventOwners } from "./event-owners.ts";
import { EVENT_HEAD, EVENT_WIDTH, eventJson, writeEvent } from "./event-writer.ts";
import { SQLITE_DIALECT } from "./filter-sql.ts";
import { agentKey, bestPassing, matchAny, topN } from "./fts.ts";
import { detachAgentEvents, refAgainst, versionRef } from "./memory-event-refs.ts";
import {
  FTS_HEAD,
  MEMORY_HEAD,
  MEMORY_WIDTH,
  pushEvent,
  pushIndexed,
  pushRow,
  pushVersion,
  VERSION_HEAD,
  VERSION_WIDTH,
} from "./memory-row-values.ts";
import {
  decodeSnapshot,
  isImplicitCreation,
  isLiveSnapshot,
  liveRow,
  materializeSnapshots,
  readsBackFromRow,
  readVersionMemory,
} from "./memory-snapshot.ts";
import {
  ftsTotals,
  occurring,
  ownRankingTerms,
  ownRowCount,
  rankOwnRows,
  sharedMemoryCount,
} from "./own-ranking.ts";
import type { Statements } from "./statements.ts";
import { TermBudget } from "./term-budget.ts";
import { versionRows } from "./version-rows.ts";
import type { WrittenRows } from "./written-rows.ts";

/** The facts of a key true since an instant (agent, key, user, since); `IS` matches a null user too. */
export const KEY_FACTS =
  "m.agent_id = ? AND m.key = ? AND m.user_id IS ? AND (m.valid_to IS NULL OR m.valid_to > ?) AND m.archived_at IS NULL";

/** Where the score sits in a search row: right after the memory's columns. */
const MEMORY_TUPLE_SCORE = 18;

/** BM25 weights of a memory's full-text columns: its text, then its tags. */
const MEMORY_COLUMN_WEIGHTS = [1.0, 0.5] as const;

/** SQL conditions (on alias `m`, `?` placeholders) for a memory filter. */
export function memoryConditions(filter: MemoryFilter): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const sql = sharedMemoryConditions(filter, SQLITE_DIALECT, positionalBind(params));
  return { sql, params };
}

export class SqliteMemoryStore implements MemoryStore {
  readonly #s: Statements;
  readonly #onRemoved: (ids: readonly number[]) => void;
  readonly #terms: TermBudget;
  readonly #access: AccessBuffer;

  /** `onRemoved` receives the rowids of memories whose text went away (to drop their vectors). */
  constructor(statements: Statements, onRemoved: (rowids: readonly number[]) => void) {
    this.#s = statements;
    this.#onRemoved = onRemoved;
    this.#terms = new TermBudget(
      statements,
      { rows: "memories", table: "memories_fts", vocabulary: "memories_vocab" },
      POSTING_BUDGET,
    );
    this.#access = new AccessBuffer((accesses) => this.#writeAccesses(accesses));
  }

  async insert(writes: MemoryWrite[], supersession?: Supersession): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      if (supersession !== undefined) this.supersedeNow(supersession);
      this.insertNow(writes);
    });
  }

  /** Checks that each key's facts are as read, and closes what keyed writes close, in the open transaction. */
  supersedeNow(supersession: Supersession): void {
    for (const match of supersession.keys) checkKeyFacts(this.#keyFactIds(match), match);
    for (const { write, expectedVersion } of supersession.closes) this.updateNow(write, expectedVersion);
  }

  async keyFacts(requests: readonly KeyFactsRequest[]): Promise<Memory[][]> {
    return requests.map((match) =>
      this.#s
        .all<MemoryRow>(
          `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${KEY_FACTS} ORDER BY m.rowid`,
          match.agentId,
          match.key,
          match.userId,
          match.since,
        )
        .map((row) => this.#memory(row)),
    );
  }

  #keyFactIds(match: KeyFactsRequest): string[] {
    return this.#s
      .all<{ id: string }>(
        `SELECT m.id FROM memories m WHERE ${KEY_FACTS}`,
        match.agentId,
        match.key,
        match.userId,
        match.since,
      )
      .map((row) => row.id);
  }

  /**
   * `insert`, synchronously: joins the caller's transaction when there is one. Notes each row in
   * `written` (the caller's unit of work), when given.
   */
  insertNow(writes: readonly MemoryWrite[], written?: WrittenRows): void {
    // Each table's rows go in with a few multi-row statements, the full-text rows last and one by
    // one (see `insertEachRow`): their terms may still be being analysed on another thread (see
    // `MemoryWrite.textTerms`). A new memory's version is usually implied by its row, and its event
    // refers to that version (see version-rows.ts, memory-event-refs.ts).
    inTransaction(this.#s.db, () => {
      const last = this.#s.get<{ last: number | null }>("SELECT MAX(rowid) AS last FROM memories")?.last ?? 0;
      const rows: SQLInputValue[] = [];
      const versions: SQLInputValue[] = [];
      const events: SQLInputValue[] = [];
      const owners = new EventOwners(this.#s);
      writes.forEach(({ memory, version, event }, i) => {
        const implied = isImplicitCreation(version, memory);
        pushRow(rows, last + i + 1, memory, implied ? version.actor : null);
        if (!implied) pushVersion(versions, version, version.memory === memory && readsBackFromRow(memory));
        pushEvent(
          events,
          owners,
          event,
          eventJson(event.before),
          event.after === version.memory ? versionRef(version.version) : eventJson(event.after),
        );
      });
      insertRows(this.#s, MEMORY_HEAD, MEMORY_WIDTH, rows);
      if (versions.length > 0) insertRows(this.#s, VERSION_HEAD, VERSION_WIDTH, versions);
      insertRows(this.#s, EVENT_HEAD, EVENT_WIDTH, events);
      const indexed: SQLInputValue[] = [];
      writes.forEach(({ memory, textTerms }, i) => {
        if (memory.archivedAt === null) pushIndexed(indexed, last + i + 1, memory, textTerms);
      });
      if (indexed.length > 0) insertEachRow(this.#s, FTS_HEAD, 3, indexed);
      if (written !== undefined)
        writes.forEach(({ memory }, i) => {
          written.note("memory", memory.id, memory.agentId, last + i + 1);
        });
    });
    this.#terms.noteWrites(writes.length);
  }

  async get(agentId: string, id: string): Promise<Memory | null> {
    const row = this.#s.get<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.id = ? AND m.agent_id = ?`,
      id,
      agentId,
    );
    return row === undefined ? null : this.#memory(row);
  }

  /** In the order of `ids`, leaving out those not found; one statement, however many there are. */
  async getMany(agentId: string, ids: readonly string[]): Promise<Memory[]> {
    if (ids.length === 0) return [];
    const rows = this.#s.all<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m
       WHERE m.agent_id = ? AND m.id IN (SELECT value FROM json_each(?))`,
      agentId,
      JSON.stringify([...new Set(ids)]),
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined ? [] : [this.#memory(row)];
    });
  }

  async update(write: MemoryWrite, expectedVersion: number): Promise<void> {
    await inWriteTransaction(this.#s.db, () => this.updateNow(write, expectedVersion));
  }

  /** `update`, synchronously: joins the caller's transaction when there is one. */
  updateNow(write: MemoryWrite, expectedVersion: number): void {
    const { memory } = write;
    inTransaction(this.#s.db, () => {
      const current = this.#s.get<{
        version: number;
        rowid: number;
        text: string;
        tags: string;
        archived_at: string | null;
        created_at: string;
      }>(
        "SELECT version, rowid, text, tags, archived_at, created_at FROM memories WHERE id = ? AND agent_id = ?",
        memory.id,
        memory.agentId,
      );
      if (current === undefined) throw new NotFoundError(`memory ${memory.id} not found`);
      if (current.version !== expectedVersion) {
        throw new ConflictError(
          `memory ${memory.id} is at version ${current.version}, not the expected ${expectedVersion}`,
        );
      }
      // The event's `before` is stored against the version it was read at, before that changes.
      const { event, version } = write;
      const before = this.#againstVersion(memory.id, event.before);
      materializeSnapshots(this.#s, memory.id);
      this.#s.run(
        `UPDATE memories SET user_id = ?, kind = ?, text = ?, tags = ?, importance = ?, valid_from = ?, valid_to = ?,
           key = ?, provenance = ?, metadata = ?, version = ?, archived_at = ?, updated_at = ?
         WHERE id = ? AND agent_id = ?`,
        ...contentValues(memory),
        memory.updatedAt,
        memory.id,
        memory.agentId,
      );
      // The full-text row holds the text's and the tags' terms, and archived memories have none (so
      // search never ranks them): it is rewritten only when one of those changes. A fact closed by
      // a newer one changes neither.
      const wasIndexed = current.archived_at === null;
      const indexed = memory.archivedAt === null;
      if (wasIndexed !== indexed || current.text !== memory.text || current.tags !== tagsColumn(memory)) {
        if (wasIndexed) this.#s.run("DELETE FROM memories_fts WHERE rowid = ?", current.rowid);
        if (indexed) this.#index(current.rowid, memory);
      }
      // The row keeps its creation time: a version that names another cannot refer to the row.
      const live =
        version.memory === memory && memory.createdAt === current.created_at && readsBackFromRow(memory);
      this.#insertVersion(version, live);
      const after = event.after === version.memory ? versionRef(version.version) : eventJson(event.after);
      writeEvent(this.#s, event, before, after);
      if (current.text !== memory.text) this.#onRemoved([current.rowid]);
    });
    this.#terms.noteWrites(1);
  }

  async delete(agentId: string, id: string, version: MemoryVersion, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => this.deleteNow(agentId, id, version, event));
  }

  /** `delete`, synchronously: joins the caller's transaction when there is one. */
  deleteNow(agentId: string, id: string, version: MemoryVersion, event: NewEvent): void {
    inTransaction(this.#s.db, () => {
      const row = this.#s.get<{ rowid: number }>(
        "SELECT rowid FROM memories WHERE id = ? AND agent_id = ?",
        id,
        agentId,
      );
      if (row === undefined) throw new NotFoundError(`memory ${id} not found`);
      // The row's snapshots are written out before it goes; the deletion's version is a full copy.
      materializeSnapshots(this.#s, id);
      this.#s.run("DELETE FROM memories WHERE rowid = ?", row.rowid);
      this.#s.run("DELETE FROM memories_fts WHERE rowid = ?", row.rowid);
      this.#insertVersion(version, false);
      const before = event.before === version.memory ? versionRef(version.version) : eventJson(event.before);
      writeEvent(this.#s, event, before, eventJson(event.after));
      this.#onRemoved([row.rowid]);
    });
  }

  async history(agentId: string, id: string): Promise<MemoryVersion[]> {
    return inReadTransaction(this.#s.db, () =>
      this.#versions(
        this.#s.all<VersionRow>(
          `SELECT * FROM ${versionRows("= ?1")} WHERE agent_id = ?2 ORDER BY version`,
          id,
          agentId,
        ),
      ),
    );
  }

  async histories(agentId: string, ids: readonly string[]): Promise<Map<string, MemoryVersion[]>> {
    const out = new Map<string, MemoryVersion[]>();
    const versions = inReadTransaction(this.#s.db, () =>
      this.#versions(
        this.#s.all<VersionRow>(
          `SELECT * FROM ${versionRows("IN (SELECT value FROM json_each(?1))")} WHERE agent_id = ?2
           ORDER BY memory_id, version`,
          JSON.stringify(ids),
          agentId,
        ),
      ),
    );
    for (const version of versions) {
      const same = out.get(version.memoryId);
      if (same === undefined) out.set(version.memoryId, [version]);
      else same.push(version);
    }
    return out;
  }

  /**
   * Version rows as versions, reading the live row of those whose snapshot refers to it: called in
   * the read transaction of the rows, so the row read is the one they refer to.
   */
  #versions(rows: readonly VersionRow[]): MemoryVersion[] {
    return rows.map((row) =>
      toVersion(
        row,
        decodeSnapshot(
          row.snapshot,
          isLiveSnapshot(row.snapshot) ? liveRow(this.#s, row.memory_id) : undefined,
        ),
      ),
    );
  }

  /** A memory event's `before` as stored: against the version it records, when it is a memory. */
  #againstVersion(memoryId: string, before: unknown): string | null {
    if (before === null || typeof before !== "object" || !("version" in before)) return eventJson(before);
    const version = (before as Memory).version;
    if (!Number.isSafeInteger(version)) return eventJson(before);
    return refAgainst(before as Memory, readVersionMemory(this.#s, memoryId, version), version);
  }

  /**
   * Writes out in full what refers to the agent's memory versions from outside them (its memory
   * events), before the agent and its versions are deleted: the audit log outlives the agent.
   */
  detachEvents(agentId: string): void {
    detachAgentEvents(this.#s, agentId);
  }

  /**
   * Writes imported memories as they were, with all their versions; active ones are indexed. Joins
   * the caller's transaction. @throws ConflictError when a memory id (or its history) exists.
   */
  importNow(items: readonly { memory: Memory; versions: readonly MemoryVersion[] }[]): void {
    inTransaction(this.#s.db, () => {
      const taken = this.#s.get<{ id: string }>(
        `SELECT memory_id AS id FROM memory_versions WHERE memory_id IN (SELECT value FROM json_each(?1))
         UNION ALL SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?1)) LIMIT 1`,
        JSON.stringify(items.map((item) => item.memory.id)),
      );
      if (taken !== undefined) throw new ConflictError(`memory ${taken.id} already exists in this database`);
      for (const { memory, versions } of items) {
        this.#insertRow(memory);
        for (const version of versions) this.#insertVersion(version, false);
      }
    });
    this.#terms.noteWrites(items.length);
  }

  async list(
    filter: MemoryFilter,
    options: ListOptions & { oldestFirst?: boolean | undefined },
  ): Promise<Memory[]> {
    const { sql, params } = memoryConditions(filter);
    const oldest = options.oldestFirst === true;
    // Ids are time-ordered, so a cursor keeps its place even if the memory it names is deleted;
    // either order walks the (agent_id, id) index from the cursor, reading only the page.
    const cursor = options.after === undefined ? "" : oldest ? "AND m.id > ?" : "AND m.id < ?";
    const cursorParams = options.after === undefined ? [] : [options.after];
    return this.#s
      .all<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${sql} ${cursor}
         ORDER BY m.id ${oldest ? "ASC" : "DESC"} LIMIT ?`,
        ...params,
        ...cursorParams,
        options.limit,
      )
      .map((row) => this.#memory(row));
  }

  async tooCommonToRank(agentId: string, terms: readonly string[]): Promise<boolean> {
    return this.#terms.tooCommon(agentKey(agentId), terms);
  }

  async searchText(
    filter: MemoryFilter,
    terms: readonly string[],
    limit: number,
  ): Promise<LexicalHit<Memory>[]> {
    const key = agentKey(filter.agentId);
    // A user with few memories (and, unless left out, few shared ones of the agent): only those can
    // be found, ranked alone (see FEW_OWN_ROWS).
    let userRows: number | undefined;
    const few = (shared: number) =>
      this.#rankOwn(filter, key, occurring(this.#terms, key, terms), limit, shared > 0);
    if (filter.userId !== undefined && filter.includeShared === false) {
      userRows = ownRowCount(this.#s, "memories", filter.agentId, filter.userId);
      if (userRows === 0) return [];
      if (userRows <= FEW_OWN_ROWS) return few(0);
    } else if (filter.userId !== undefined) {
      // Counted only as far as deciding needs: a count past it is not passed on.
      const own = ownRowCount(this.#s, "memories", filter.agentId, filter.userId, FEW_OWN_ROWS);
      if (own <= FEW_OWN_ROWS) {
        userRows = own;
        const shared = sharedMemoryCount(this.#s, filter.agentId, FEW_OWN_ROWS - own);
        if (own + shared === 0) return [];
        if (own + shared <= FEW_OWN_ROWS) return few(shared);
      }
    }
    const chosen = this.#terms.select(key, terms);
    const own = this.#rankedForUser(filter, key, terms, chosen, limit, userRows);
    // Without the shared memories, the user's ranked with every term are all the agent-wide ranking
    // could find, each scored at least as high (see `mergeOwnHits`): that ranking adds nothing.
    if (chosen.length === 0 || (own !== null && filter.includeShared === false)) return own ?? [];
    const match = `{terms tag_terms} : (${matchAny(key, chosen)})`;
    const { sql, params } = memoryConditions(filter);
    // These statements serve only this method, so they may hand out arrays (see MemoryTuple).
    const all = (text: string) => {
      const statement = this.#s.prepare(text);
      statement.setReturnArrays(true);
      return statement.all(match, ...params) as unknown as MemoryTuple[];
    };
    const rows = bestPassing(
      {
        table: "memories_fts",
        rows: "memories",
        score: `bm25(memories_fts, ${MEMORY_COLUMN_WEIGHTS.join(", ")})`,
        columns: MEMORY_COLUMNS,
        where: sql,
        onlyAgent: sql === "m.agent_id = ?",
        limit,
      },
      all,
      (row) => row[MEMORY_TUPLE_SCORE + 1] as number,
    );
    const hits = this.#hits(rows);
    return own === null ? hits : mergeOwnHits(hits, own, limit);
  }

  /**
   * The user's own memories ranked with every term, when a search for one end user left common
   * terms out (see `ownRankingTerms`), from their own analysed terms (see `rankOwnRows`). Null when
   * there is nothing to add.
   */
  #rankedForUser(
    filter: MemoryFilter,
    key: string,
    terms: readonly string[],
    chosen: readonly string[],
    limit: number,
    rows: number | undefined,
  ): LexicalHit<Memory>[] | null {
    const { agentId, userId } = filter;
    const present = ownRankingTerms(this.#s, this.#terms, {
      table: "memories",
      agentId,
      userId,
      key,
      terms,
      chosen,
      rows,
    });
    return present === null ? null : this.#rankOwn(filter, key, present, limit);
  }

  /**
   * The user's own memories meeting the filter (and the agent's shared ones, with `shared`), ranked
   * by these terms from their own analysed terms (see `rankOwnRows`): as FTS5 ranks them, with the
   * agent's statistics.
   */
  #rankOwn(
    filter: MemoryFilter,
    key: string,
    present: readonly string[],
    limit: number,
    shared = false,
  ): LexicalHit<Memory>[] {
    // Archived memories are not indexed: a search for them alone finds none, as FTS5 would.
    if (present.length === 0 || filter.archived === "only") return [];
    // The rows ranked: the user's own that are indexed; with `shared`, the agent's of no user too,
    // each set read through its own index (memories_by_user, memories_shared).
    const { sql, params } = memoryConditions({ ...filter, includeShared: shared, archived: "exclude" });
    // (CROSS JOIN keeps the two index reads outside: as `rowid IN (…)` SQLite would rather walk
    // all the agent's memories.)
    const from = shared
      ? `(SELECT rowid AS r FROM memories WHERE agent_id = ? AND user_id = ?
           UNION ALL SELECT rowid FROM memories WHERE agent_id = ? AND user_id IS NULL) u
         CROSS JOIN memories m ON m.rowid = u.r`
      : "memories m";
    const statement = this.#s.prepare(`SELECT ${MEMORY_COLUMNS} FROM ${from} WHERE ${sql} ORDER BY m.rowid`);
    statement.setReturnArrays(true);
    const amongParams = shared ? [filter.agentId, filter.userId ?? null, filter.agentId] : [];
    const rows = (statement.all(...amongParams, ...params) as unknown as MemoryTuple[]).map((row) => {
      const memory = this.#access.overlay(tupleToMemory(row));
      return { item: memory, columns: memoryIndexTerms(memory) };
    });
    return rankOwnRows(
      rows,
      present,
      MEMORY_COLUMN_WEIGHTS,
      (term) => this.#terms.exactFrequency(key, term),
      ftsTotals(this.#s, "memories_fts"),
      topN(limit),
    );
  }

  /** Full-text rows as hits: the memory with its waiting accesses, and FTS5's score negated. */
  #hits(rows: readonly MemoryTuple[]): LexicalHit<Memory>[] {
    return rows.map((row) => ({
      item: this.#access.overlay(tupleToMemory(row)),
      score: -(row[MEMORY_TUPLE_SCORE] as number),
    }));
  }

  /** Counted in memory and written together soon after (see AccessBuffer); reads here see them. */
  async recordAccess(agentId: string, ids: readonly string[], at: string): Promise<void> {
    this.#access.add(agentId, ids, at);
  }

  /** Forgets the access counts still waiting for a deleted agent's memories. */
  forgetAgent(agentId: string): void {
    this.#access.discardAgent(agentId);
  }

  /** Writes the access counts still waiting, and stops gathering them: the store is closing. */
  closeAccess(): Promise<void> {
    return this.#access.close();
  }

  /**
   * One transaction for all of them, committed without an fsync: the counts are bookkeeping, and
   * losing the last second of them in a crash costs no memory.
   */
  #writeAccesses(accesses: readonly PendingAccess[]): void {
    withoutFsync(this.#s.db, () =>
      inTransaction(this.#s.db, () => {
        for (const { id, agentId, count, at } of accesses) {
          this.#s.run(
            `UPDATE memories SET access_count = access_count + ?,
               last_accessed_at = CASE WHEN last_accessed_at IS NULL OR last_accessed_at < ? THEN ? ELSE last_accessed_at END
             WHERE id = ? AND agent_id = ?`,
            count,
            at,
            at,
            id,
            agentId,
          );
        }
      }),
    );
  }

  async count(agentId: string): Promise<number> {
    return (
      this.#s.get<{ n: number }>("SELECT COUNT(*) AS n FROM memories WHERE agent_id = ?", agentId)?.n ?? 0
    );
  }

  /** A row as a memory, with the accesses this process has counted but not yet written. */
  #memory(row: MemoryRow): Memory {
    return this.#access.overlay(toMemory(row));
  }

  #insertRow(memory: Memory): void {
    const values: SQLInputValue[] = [];
    pushRow(values, null, memory, null);
    const { lastInsertRowid } = this.#s
      .prepare(`${MEMORY_HEAD} VALUES (${values.map(() => "?").join(", ")})`)
      .run(...values);
    if (memory.archivedAt === null) this.#index(Number(lastInsertRowid), memory);
  }

  #index(rowid: number, memory: Memory): void {
    const values: SQLInputValue[] = [];
    pushIndexed(values, rowid, memory);
    this.#s.run(`${FTS_HEAD} VALUES (?, ?, ?)`, ...values);
  }

  /** `live`: the version is the memory its row now holds, and may refer to the row. */
  #insertVersion(version: MemoryVersion, live: boolean): void {
    const values: SQLInputValue[] = [];
    pushVersion(values, version, live && version.memoryId === version.memory.id);
    this.#s.run(`${VERSION_HEAD} VALUES (?, ?, ?, ?, ?, ?, ?)`, ...values);
  }
}
