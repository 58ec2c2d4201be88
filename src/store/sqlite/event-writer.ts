import type { SQLInputValue } from "node:sqlite";
import type { NewEvent } from "../../core/types.ts";
import { EventOwners } from "./event-owners.ts";
import type { Statements } from "./statements.ts";

/** The columns an event is written with, in `eventValues` order (see event-layout.ts). */
export const EVENT_HEAD = `INSERT INTO events
  (id, project, agent, actor, kind, target_type, target_id, before, after, created_at)`;
export const EVENT_WIDTH = 10;

const INSERT_EVENT = `${EVENT_HEAD} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** An event's before/after as stored: JSON, or NULL for none (read back as null). */
export function eventJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Appends events; callers invoke it inside the transaction of the mutation they describe. */
export function writeEvents(statements: Statements, events: readonly NewEvent[]): void {
  const owners = new EventOwners(statements);
  for (const event of events)
    statements.run(
      INSERT_EVENT,
      ...eventValues(owners, event, eventJson(event.before), eventJson(event.after)),
    );
}

/** Appends one event whose before/after are already in their stored form (see memory-event-refs.ts). */
export function writeEvent(
  statements: Statements,
  event: NewEvent,
  before: string | null,
  after: string | null,
): void {
  statements.run(INSERT_EVENT, ...eventValues(new EventOwners(statements), event, before, after));
}

/** An event's row values in `EVENT_HEAD` order, its before/after already in stored form. */
export function eventValues(
  owners: EventOwners,
  event: NewEvent,
  before: string | null,
  after: string | null,
): SQLInputValue[] {
  return [
    event.id,
    owners.of(event.projectId),
    owners.ofNullable(event.agentId),
    event.actor,
    event.kind,
    event.targetType,
    event.targetId,
    before,
    after,
    event.createdAt,
  ];
}
