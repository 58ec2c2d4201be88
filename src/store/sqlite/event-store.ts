import type { EngramEvent } from "../../core/types.ts";
import type { EventQuery, EventStore } from "../store.ts";
import { inReadTransaction } from "./database.ts";
import { EVENT_ROW_SQL, OWNER_SQL } from "./event-layout.ts";
import { isRef, readEventValue } from "./memory-event-refs.ts";
import { type EventRow, toEvent } from "./rows.ts";
import type { Statements } from "./statements.ts";

/** The SQL function a temporary trigger calls on every event row this connection inserts. */
const APPENDED = "engram_event_appended";

export class SqliteEventStore implements EventStore {
  readonly #s: Statements;
  readonly #listeners = new Set<() => void>();
  #pending = false;

  constructor(statements: Statements) {
    this.#s = statements;
    // A temporary trigger lives on this connection only: other processes' writes do not call into
    // this one (their followers poll), and the schema is left as it is.
    statements.db.function(APPENDED, { deterministic: false }, () => {
      this.#schedule();
      return null;
    });
    statements.db.exec(
      `CREATE TEMP TRIGGER IF NOT EXISTS ${APPENDED} AFTER INSERT ON main.events BEGIN SELECT ${APPENDED}(); END`,
    );
  }

  async lastSeq(): Promise<number> {
    return this.#s.get<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")?.seq ?? 0;
  }

  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The trigger fires inside the write's transaction: listeners are told once it has ended. */
  #schedule(): void {
    if (this.#pending || this.#listeners.size === 0) return;
    this.#pending = true;
    queueMicrotask(() => this.#notify());
  }

  #notify(): void {
    const db = this.#s.db;
    if (db.isOpen && db.isTransaction) {
      setImmediate(() => this.#notify());
      return;
    }
    this.#pending = false;
    for (const listener of [...this.#listeners]) listener();
  }

  async list(query: EventQuery): Promise<EngramEvent[]> {
    const { sql, params } = eventListSql(query);
    // One snapshot for the rows and the versions they refer to, whatever other processes write.
    return inReadTransaction(this.#s.db, () =>
      this.#s.all<EventRow>(sql, ...params).map((row) => this.#event(row)),
    );
  }

  /** A row as its event; a memory event's references to versions are read as the memories they name. */
  #event(row: EventRow): EngramEvent {
    if (!isRef(row.before) && !isRef(row.after)) return toEvent(row);
    const before = readEventValue(this.#s, row.target_id, row.before);
    const after = readEventValue(this.#s, row.target_id, row.after);
    return { ...toEvent({ ...row, before: null, after: null }), before, after };
  }

  async tally(query: Omit<EventQuery, "limit">): Promise<{ count: number; lastSeq: number }> {
    const { sql, params } = conditions(query);
    const row = this.#s.get<{ n: number; last: number | null }>(
      `SELECT COUNT(*) AS n, MAX(e.seq) AS last FROM events e WHERE ${sql}`,
      ...params,
    );
    return { count: row?.n ?? 0, lastSeq: row?.last ?? query.afterSeq ?? 0 };
  }
}

/** The statement `list` reads a page of events with, and its parameters. */
export function eventListSql(query: EventQuery): { sql: string; params: (string | number)[] } {
  const { sql, params } = conditions(query);
  const order = query.newestFirst === true ? "DESC" : "";
  return {
    sql: `${EVENT_ROW_SQL} WHERE ${sql} ORDER BY e.seq ${order} LIMIT ?`,
    params: [...params, query.limit],
  };
}

/**
 * The WHERE clause of a query over `events e`. An owner is matched by its number, looked up once, so
 * that the (agent, seq) and (project, seq) indexes serve the filter.
 */
function conditions(query: Omit<EventQuery, "limit">): { sql: string; params: (string | number)[] } {
  const where: string[] = ["e.seq > ?"];
  const params: (string | number)[] = [query.afterSeq ?? 0];
  if (query.beforeSeq !== undefined) {
    where.push("e.seq < ?");
    params.push(query.beforeSeq);
  }
  if (query.agentId !== undefined) {
    where.push(`e.agent = ${OWNER_SQL}`);
    params.push(query.agentId);
  }
  if (query.projectId !== undefined) {
    // With an agent too, its index is the narrower one (an agent's events are of one project): the
    // unary + keeps the planner off the project's.
    where.push(`${query.agentId === undefined ? "" : "+"}e.project = ${OWNER_SQL}`);
    params.push(query.projectId);
  }
  if (query.kind !== undefined) {
    where.push("e.kind = ?");
    params.push(query.kind);
  }
  if (query.kindFamily !== undefined) {
    const prefix = `${query.kindFamily}.`;
    where.push("substr(e.kind, 1, ?) = ?");
    params.push(prefix.length, prefix);
  }
  if (query.kinds !== undefined) {
    where.push(query.kinds.length === 0 ? "0" : `e.kind IN (${query.kinds.map(() => "?").join(", ")})`);
    params.push(...query.kinds);
  }
  if (query.actor !== undefined) {
    where.push("e.actor = ?");
    params.push(query.actor);
  }
  if (query.excludeActor !== undefined) {
    where.push("e.actor <> ?");
    params.push(query.excludeActor);
  }
  return { sql: where.join(" AND "), params };
}
