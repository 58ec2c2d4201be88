import { ConflictError } from "../../core/errors.ts";
import type { Insight, NewEvent } from "../../core/types.ts";
import {
  INSIGHT_COLUMNS,
  INSIGHT_UPDATES,
  type InsightRow,
  insightValues,
  toInsight,
} from "../rows/learning-rows.ts";
import type { InsightStore } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

export class SqliteInsightStore implements InsightStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async list(agentId: string): Promise<Insight[]> {
    return this.#s
      .all<InsightRow>(
        "SELECT * FROM insights WHERE agent_id = ? ORDER BY count DESC, created_at, id",
        agentId,
      )
      .map(toInsight);
  }

  async write(agentId: string, upserts: Insight[], deletes: string[], events: NewEvent[]): Promise<void> {
    this.writeNow(agentId, upserts, deletes, events);
  }

  /**
   * Writes an imported agent's insights as they were, joining the caller's transaction.
   * @throws ConflictError when an insight id exists already.
   */
  importNow(agentId: string, insights: readonly Insight[]): void {
    inTransaction(this.#s.db, () => {
      const taken = this.#s.get<{ id: string }>(
        "SELECT id FROM insights WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1",
        JSON.stringify(insights.map((insight) => insight.id)),
      );
      if (taken !== undefined) throw new ConflictError(`insight ${taken.id} already exists in this database`);
      this.writeNow(agentId, insights, [], []);
    });
  }

  /**
   * `write`, synchronously, joining the caller's transaction. With `expected`, each named rule must
   * still be as it was read (same `updatedAt`, or absent for null), else ConflictError and nothing is written.
   */
  writeNow(
    agentId: string,
    upserts: readonly Insight[],
    deletes: readonly string[],
    events: readonly NewEvent[],
    expected: readonly { id: string; updatedAt: string | null }[] = [],
  ): void {
    inTransaction(this.#s.db, () => {
      for (const { id, updatedAt } of expected) {
        const row = this.#s.get<{ updated_at: string }>(
          "SELECT updated_at FROM insights WHERE id = ? AND agent_id = ?",
          id,
          agentId,
        );
        if ((row?.updated_at ?? null) !== updatedAt)
          throw new ConflictError(`insight ${id} changed since it was read: re-read and retry`);
      }
      for (const id of deletes)
        this.#s.run("DELETE FROM insights WHERE id = ? AND agent_id = ?", id, agentId);
      for (const insight of upserts) {
        this.#s.run(
          `INSERT INTO insights (${INSIGHT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET ${INSIGHT_UPDATES}`,
          ...insightValues(agentId, insight),
        );
      }
      writeEvents(this.#s, events);
    });
  }
}
