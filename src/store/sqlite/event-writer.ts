import type { NewEvent } from "../../core/types.ts";
import type { Statements } from "./statements.ts";

const INSERT_EVENT = `INSERT INTO events
  (id, project_id, agent_id, actor, kind, target_type, target_id, before, after, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** An event's before/after as stored: JSON, or NULL for none (read back as null). */
export function eventJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Appends events; callers invoke it inside the transaction of the mutation they describe. */
export function writeEvents(statements: Statements, events: readonly NewEvent[]): void {
  for (const event of events) writeEvent(statements, event, eventJson(event.before), eventJson(event.after));
}

/** Appends one event whose before/after are already in their stored form (see memory-event-refs.ts). */
export function writeEvent(
  statements: Statements,
  event: NewEvent,
  before: string | null,
  after: string | null,
): void {
  statements.run(
    INSERT_EVENT,
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
  );
}
