import type { Message } from "../../core/types.ts";
import type { IndexedMessage } from "../store.ts";
import { CONTEXT_RADIUS, messageIndexer } from "./message-fields.ts";

/**
 * Re-indexing the messages written before a turn took its `prev` and `next` columns only from
 * another speaker (message-fields.ts): those next to a turn by their own speaker were indexed with
 * its words there. SQLite's migration 30 and PostgreSQL's migration 16 find them with window
 * functions, which both databases have, and index them again as a write would now.
 */

/** A message to index again, and the rowids of the turns around it in its conversation, nearest first. */
export interface SpeakerTurnPlan {
  rowid: number;
  before: number[];
  after: number[];
}

const offsets = Array.from({ length: CONTEXT_RADIUS }, (_, i) => i + 1);

/**
 * Every message next to a turn of its conversation (its agent, user and session) by its own speaker,
 * in rowid order, with the rowids of up to `CONTEXT_RADIUS` turns on each side.
 */
export const SAME_SPEAKER_TURNS_SQL = `
  SELECT rowid, ${offsets.map((d) => `b${d}, a${d}`).join(", ")} FROM (
    SELECT rowid, COALESCE(name, role) AS speaker,
      LAG(COALESCE(name, role)) OVER c AS before_speaker,
      LEAD(COALESCE(name, role)) OVER c AS after_speaker,
      ${offsets.map((d) => `LAG(rowid, ${d}) OVER c AS b${d}, LEAD(rowid, ${d}) OVER c AS a${d}`).join(",\n      ")}
    FROM messages
    WINDOW c AS (PARTITION BY agent_id, user_id, session_id ORDER BY rowid)
  ) turns
  WHERE before_speaker = speaker OR after_speaker = speaker
  ORDER BY rowid`;

/** A row of `SAME_SPEAKER_TURNS_SQL` as a plan (rowids as numbers, whatever the driver gave). */
export function speakerTurnPlan(row: Record<string, unknown>): SpeakerTurnPlan {
  const rowids = (side: "b" | "a") =>
    offsets.flatMap((d) => {
      const value = row[`${side}${d}`];
      return value === null || value === undefined ? [] : [Number(value)];
    });
  return { rowid: Number(row.rowid), before: rowids("b"), after: rowids("a") };
}

/** Every rowid a page of plans reads: the messages and the turns around them. */
export function plannedRowids(plans: readonly SpeakerTurnPlan[]): number[] {
  return [...new Set(plans.flatMap((p) => [...p.before, p.rowid, ...p.after]))];
}

/** Each planned message as a write indexes it now, from its turns read by rowid (one found no more is left out). */
export function indexPlanned(
  plans: readonly SpeakerTurnPlan[],
  byRowid: ReadonlyMap<number, Message>,
): { rowid: number; item: IndexedMessage }[] {
  return plans.flatMap((plan) => {
    const self = byRowid.get(plan.rowid);
    if (self === undefined) return [];
    const turns = [...plan.before]
      .reverse()
      .concat(plan.rowid, plan.after)
      .flatMap((rowid) => {
        const message = byRowid.get(rowid);
        return message === undefined ? [] : [message];
      });
    return [{ rowid: plan.rowid, item: messageIndexer(turns)(turns.indexOf(self)) }];
  });
}
