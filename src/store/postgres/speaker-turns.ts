import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../rows/memory-rows.ts";
import {
  indexPlanned,
  plannedRowids,
  SAME_SPEAKER_TURNS_SQL,
  speakerTurnPlan,
} from "../rows/speaker-turns.ts";
import { reindexMessages } from "./message-store.ts";
import type { Sql } from "./pg-database.ts";

/** Messages re-indexed per page: their turns are read in one statement. */
const PAGE = 1_000;

/**
 * Migration 16's data step, as SQLite's migration 30 (src/store/sqlite/speaker-turns.ts): the
 * messages next to a turn by their own speaker are indexed again. The plan is kept in a temporary
 * table for the transaction, so that its window functions sort the messages once, and read a page
 * at a time.
 */
export async function reindexSameSpeakerTurns(tx: Sql): Promise<void> {
  await tx.run(`CREATE TEMPORARY TABLE speaker_turns ON COMMIT DROP AS ${SAME_SPEAKER_TURNS_SQL}`);
  await tx.run("CREATE INDEX ON speaker_turns (rowid)");
  let last = -1;
  for (;;) {
    const rows = await tx.all<Record<string, unknown>>(
      "SELECT * FROM speaker_turns WHERE rowid > $1 ORDER BY rowid LIMIT $2",
      [last, PAGE],
    );
    if (rows.length === 0) return;
    const plans = rows.map(speakerTurnPlan);
    last = plans.at(-1)?.rowid ?? last;
    const turns = await tx.all<MessageRow & { rowid: number }>(
      `SELECT m.rowid, ${MESSAGE_COLUMNS} FROM messages m WHERE m.rowid = ANY($1::bigint[])`,
      [plannedRowids(plans)],
    );
    const byRowid = new Map(turns.map((row) => [Number(row.rowid), toMessage(row)]));
    await reindexMessages(
      tx,
      indexPlanned(plans, byRowid).map(({ item }) => item),
    );
  }
}
