import type { NewEvent } from "../../core/types.ts";
import { eventJson } from "../sqlite/event-writer.ts";
import { columnsInsert, type TypedColumn } from "./insert-rows.ts";
import type { Sql } from "./pg-database.ts";

/**
 * Serialises the transactions that append events, from their first event to their commit. A reader
 * following the log by `seq` (sleep-time triggers, webhooks, `events --follow`) must never see seq
 * N+1 committed while N is still to come: with a plain sequence, a transaction that took N could
 * commit after one that took N+1, and a reader that had moved past N+1 would miss N for good.
 */
export const EVENT_ORDER_LOCK = "7308604897066246401";

/** The channel `NOTIFY` wakes followers on, once a transaction that appended events commits. */
export const EVENTS_CHANNEL = "engram_events";

const EVENT_COLUMNS: readonly TypedColumn[] = [
  "id",
  "project_id",
  "agent_id",
  "actor",
  "kind",
  "target_type",
  "target_id",
  "before",
  "after",
  "created_at",
].map((name) => [name, "text"] as const);

/** Appends events; callers invoke it inside the transaction of the mutation they describe, last. */
export async function writeEvents(tx: Sql, events: readonly NewEvent[]): Promise<void> {
  await writeEventRows(
    tx,
    events.map((event) => ({ event, before: eventJson(event.before), after: eventJson(event.after) })),
  );
}

/** Appends events whose before/after are already in their stored form (see memory-event-refs.ts). */
export async function writeEventRows(
  tx: Sql,
  events: readonly { event: NewEvent; before: string | null; after: string | null }[],
): Promise<void> {
  if (events.length === 0) return;
  // One statement, sent with the COMMIT when nothing follows it (`defer`): the lock is held from here
  // to the commit, so every trip taken while holding it stretches every other writer's wait. The
  // rows are drawn through a join with the lock's (materialised, volatile) row, so none is produced,
  // and none takes its `seq`, before the lock is held.
  const params: unknown[] = [EVENT_ORDER_LOCK];
  const insert = columnsInsert(
    "events",
    EVENT_COLUMNS,
    events.map(({ event, before, after }) => [
      event.id,
      event.projectId,
      event.agentId,
      event.actor,
      event.kind,
      event.targetType,
      event.targetId,
      before,
      after,
      event.createdAt,
    ]),
    params,
    "ordered",
  );
  // The notification goes in the same statement; it is delivered at commit (and dropped on
  // rollback), and several in one transaction fold into one.
  await tx.defer(
    `WITH ordered AS MATERIALIZED (SELECT pg_advisory_xact_lock($1)),
     appended AS (${insert} RETURNING 1)
     SELECT pg_notify('${EVENTS_CHANNEL}', '')`,
    params,
    { prepare: true, adds: { events: events.length } },
  );
}
