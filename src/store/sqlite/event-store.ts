import type { EngramEvent } from "../../core/types.ts";
import type { EventQuery, EventStore } from "../store.ts";
import { type EventRow, toEvent } from "./rows.ts";
import type { Statements } from "./statements.ts";

export class SqliteEventStore implements EventStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async list(query: EventQuery): Promise<EngramEvent[]> {
    const where: string[] = ["seq > ?"];
    const params: (string | number)[] = [query.afterSeq ?? 0];
    if (query.agentId !== undefined) {
      where.push("agent_id = ?");
      params.push(query.agentId);
    }
    if (query.projectId !== undefined) {
      where.push("project_id = ?");
      params.push(query.projectId);
    }
    if (query.kind !== undefined) {
      where.push("kind = ?");
      params.push(query.kind);
    }
    params.push(query.limit);
    return this.#s
      .all<EventRow>(`SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`, ...params)
      .map(toEvent);
  }
}
