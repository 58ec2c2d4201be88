import { ConflictError } from "../../core/errors.ts";
import type { Insight, NewEvent } from "../../core/types.ts";
import type { InsightStore } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

interface InsightRow {
  id: string;
  agent_id: string;
  text: string;
  count: number;
  created_at: string;
  updated_at: string;
}

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
      .map((row) => ({
        id: row.id,
        agentId: row.agent_id,
        text: row.text,
        count: row.count,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }));
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
          `INSERT INTO insights (id, agent_id, text, count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET text = excluded.text, count = excluded.count, updated_at = excluded.updated_at`,
          insight.id,
          agentId,
          insight.text,
          insight.count,
          insight.createdAt,
          insight.updatedAt,
        );
      }
      writeEvents(this.#s, events);
    });
  }
}
