import type { NewEvent } from "../../core/types.ts";
import type { Statements } from "./statements.ts";

const INSERT_EVENT = `INSERT INTO events
  (id, project_id, agent_id, actor, kind, target_type, target_id, before, after, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Appends events; callers invoke it inside the transaction of the mutation they describe. */
export function writeEvents(statements: Statements, events: readonly NewEvent[]): void {
  for (const event of events) {
    statements.run(
      INSERT_EVENT,
      event.id,
      event.projectId,
      event.agentId,
      event.actor,
      event.kind,
      event.targetType,
      event.targetId,
      event.before === undefined ? null : JSON.stringify(event.before),
      event.after === undefined ? null : JSON.stringify(event.after),
      event.createdAt,
    );
  }
}
