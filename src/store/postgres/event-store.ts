import type { EngramEvent } from "../../core/types.ts";
import { type EventRow, toEvent } from "../sqlite/rows.ts";
import type { EventQuery, EventStore } from "../store.ts";
import type { EventWakeups } from "./event-wakeups.ts";
import type { PgDatabase } from "./pg-database.ts";

/** The event log on PostgreSQL. Events hold their before/after in full, so rows read as they are. */
export class PgEventStore implements EventStore {
  readonly #db: PgDatabase;
  readonly #wakeups: EventWakeups;

  constructor(db: PgDatabase, wakeups: EventWakeups) {
    this.#db = db;
    this.#wakeups = wakeups;
  }

  async list(query: EventQuery): Promise<EngramEvent[]> {
    const { sql, params } = conditions(query);
    const rows = await this.#db.all<EventRow>(
      `SELECT * FROM events WHERE ${sql} ORDER BY seq ${query.newestFirst === true ? "DESC" : ""} LIMIT $${params.length + 1}`,
      [...params, query.limit],
    );
    return rows.map(toEvent);
  }

  async tally(query: Omit<EventQuery, "limit">): Promise<{ count: number; lastSeq: number }> {
    const { sql, params } = conditions(query);
    const row = await this.#db.get<{ n: number; last: number | null }>(
      `SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE ${sql}`,
      params,
    );
    return { count: row?.n ?? 0, lastSeq: row?.last ?? query.afterSeq ?? 0 };
  }

  async lastSeq(): Promise<number> {
    return (await this.#db.get<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events"))?.seq ?? 0;
  }

  /**
   * Calls `listener` soon after a transaction that appended events commits, several commits making one
   * call. Unlike SQLite, this sees every server's writes on the database, not only this store's: it
   * listens on the channel every event append notifies. Watchers are also woken once whenever the
   * listening connection (re)opens, as events may have committed while it was down.
   */
  watch(listener: () => void): () => void {
    return this.#wakeups.watch(listener);
  }
}

function conditions(query: Omit<EventQuery, "limit">): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.afterSeq ?? 0];
  const where = ["seq > $1"];
  if (query.beforeSeq !== undefined) {
    params.push(query.beforeSeq);
    where.push(`seq < $${params.length}`);
  }
  const add = (column: string, value: string | undefined, operator = "=") => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} ${operator} $${params.length}`);
  };
  add("agent_id", query.agentId);
  add("project_id", query.projectId);
  add("kind", query.kind);
  if (query.kindFamily !== undefined) {
    params.push(`${query.kindFamily}.`);
    where.push(`starts_with(kind, $${params.length})`);
  }
  if (query.kinds !== undefined) {
    params.push(query.kinds);
    where.push(`kind = ANY($${params.length}::text[])`);
  }
  add("actor", query.actor);
  add("actor", query.excludeActor, "<>");
  return { sql: where.join(" AND "), params };
}
