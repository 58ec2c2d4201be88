import type { DatabaseSync } from "node:sqlite";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../rows/memory-rows.ts";
import {
  indexPlanned,
  plannedRowids,
  SAME_SPEAKER_TURNS_SQL,
  type SpeakerTurnPlan,
  speakerTurnPlan,
} from "../rows/speaker-turns.ts";
import { INSERT_MESSAGE_FTS, messageFtsValues } from "./message-fts.ts";

/** Messages re-indexed per page: their turns are read in one statement. */
const PAGE = 500;

/**
 * Migration 30's data step: the messages next to a turn by their own speaker are indexed again,
 * their `prev` and `next` columns now only from another speaker (src/store/rows/speaker-turns.ts).
 * Runs inside the migration's transaction: killed midway, it leaves the index as it was.
 */
export function reindexSameSpeakerTurns(db: DatabaseSync): void {
  const read = db.prepare(
    `SELECT m.rowid AS rowid, ${MESSAGE_COLUMNS} FROM json_each(?) j CROSS JOIN messages m ON m.rowid = j.value`,
  );
  const remove = db.prepare("DELETE FROM messages_fts WHERE rowid = ?");
  const insert = db.prepare(INSERT_MESSAGE_FTS);
  const flush = (plans: SpeakerTurnPlan[]) => {
    if (plans.length === 0) return;
    const rows = read.all(JSON.stringify(plannedRowids(plans))) as unknown as (MessageRow & {
      rowid: number;
    })[];
    const byRowid = new Map(rows.map((row) => [row.rowid, toMessage(row)]));
    for (const { rowid, item } of indexPlanned(plans, byRowid)) {
      remove.run(rowid);
      insert.run(rowid, ...messageFtsValues(item));
    }
  };
  // The plan's window functions sort every message before its first row comes back; the writes
  // go to the full-text table only, which the plan does not read.
  let page: SpeakerTurnPlan[] = [];
  for (const row of db.prepare(SAME_SPEAKER_TURNS_SQL).iterate()) {
    page.push(speakerTurnPlan(row as Record<string, unknown>));
    if (page.length === PAGE) {
      flush(page);
      page = [];
    }
  }
  flush(page);
}
