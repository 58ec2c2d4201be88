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
  // The lock is a statement of its own: the rows below take their `seq` once it is held.
  await tx.run("SELECT pg_advisory_xact_lock($1)", [EVENT_ORDER_LOCK]);
  const params: unknown[] = [];
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
  );
  // The notification goes in the same statement; it is delivered at commit (and dropped on
  // rollback), and several in one transaction fold into one.
  await tx.run(`WITH appended AS (${insert} RETURNING 1) SELECT pg_notify('${EVENTS_CHANNEL}', '')`, params, {
    prepare: true,
    adds: { events: events.length },
  });
}
