import { ConflictError } from "../../core/errors.ts";
import type { Insight, NewEvent } from "../../core/types.ts";
import {
  INSIGHT_COLUMNS,
  INSIGHT_UPDATES,
  type InsightRow,
  insightValues,
  toInsight,
} from "../rows/learning-rows.ts";
import type { InsightChanges, InsightStore } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { isUniqueViolation } from "./pg-errors.ts";
import { refuseTaken } from "./refuse-taken.ts";

/** Insights on PostgreSQL, highest support first. */
export class PgInsightStore implements InsightStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async list(agentId: string): Promise<Insight[]> {
    const rows = await this.#db.all<InsightRow>(
      "SELECT * FROM insights WHERE agent_id = $1 ORDER BY count DESC, created_at, id",
      [agentId],
    );
    return rows.map(toInsight);
  }

  async write(agentId: string, upserts: Insight[], deletes: string[], events: NewEvent[]): Promise<void> {
    await this.#db.transaction((tx) =>
      writeInsightChanges(tx, agentId, { upserts, deletes, expected: [], events }),
    );
  }
}

/**
 * Upserts and deletes an agent's insights with their events, inside `tx` (a job's completion, an
 * evolution run's accepted candidate). Each rule named in `expected` must still be as it was read
 * (same `updatedAt`; absent for null), else ConflictError and the caller's transaction rolls back.
 * Rules read are locked until the commit, and a rule expected absent is inserted, never overwritten,
 * so two servers changing one rule at once cannot both succeed.
 */
export async function writeInsightChanges(tx: Sql, agentId: string, changes: InsightChanges): Promise<void> {
  const { upserts, deletes, expected, events } = changes;
  if (expected.length > 0) {
    const rows = await tx.all<{ id: string; updated_at: string }>(
      "SELECT id, updated_at FROM insights WHERE agent_id = $1 AND id = ANY($2::text[]) FOR UPDATE",
      [agentId, expected.map((e) => e.id)],
    );
    const current = new Map(rows.map((row) => [row.id, row.updated_at]));
    for (const { id, updatedAt } of expected) {
      if ((current.get(id) ?? null) !== updatedAt)
        throw new ConflictError(`insight ${id} changed since it was read: re-read and retry`);
    }
  }
  if (deletes.length > 0) {
    await tx.run("DELETE FROM insights WHERE agent_id = $1 AND id = ANY($2::text[])", [agentId, deletes]);
  }
  const absent = new Set(expected.filter((e) => e.updatedAt === null).map((e) => e.id));
  // One row per id (the last given wins), as one statement may not change a row twice.
  const unique = [...new Map(upserts.map((insight) => [insight.id, insight])).values()];
  try {
    // A rule expected absent is inserted, never upserted: if another server added it meanwhile,
    // this write is stale.
    await insertRows(
      tx,
      `insights (${INSIGHT_COLUMNS})`,
      unique.filter((insight) => absent.has(insight.id)).map((insight) => insightValues(agentId, insight)),
    );
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(`an insight added since it was read: re-read and retry`);
    throw error;
  }
  await insertRows(
    tx,
    `insights (${INSIGHT_COLUMNS})`,
    unique.filter((insight) => !absent.has(insight.id)).map((insight) => insightValues(agentId, insight)),
    `ON CONFLICT (id) DO UPDATE SET ${INSIGHT_UPDATES} WHERE insights.agent_id = excluded.agent_id`,
  );
  await writeEvents(tx, events);
}

/**
 * Writes an imported agent's insights as they were, inside `tx`.
 * @throws ConflictError when an insight id exists already.
 */
export async function importInsights(tx: Sql, agentId: string, insights: readonly Insight[]): Promise<void> {
  await refuseTaken(
    tx,
    "insights",
    "insight",
    insights.map((insight) => insight.id),
  );
  try {
    await insertRows(
      tx,
      `insights (${INSIGHT_COLUMNS})`,
      insights.map((insight) => insightValues(agentId, insight)),
    );
  } catch (error) {
    // Another import took one of the ids between the check and the insert.
    if (isUniqueViolation(error))
      throw new ConflictError("an insight of the import exists already", { cause: error });
    throw error;
  }
}
