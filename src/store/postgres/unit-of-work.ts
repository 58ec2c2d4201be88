import { EngramError } from "../../core/errors.ts";
import { graphRecordsNow, vectorItemsNow } from "../store.ts";
import { applyOperation, type WorkHandlers, type WorkOperation, writtenItems } from "../unit-of-work.ts";
import { insertAgent, setInstructions } from "./agent-store.ts";
import { writeEvents } from "./event-writer.ts";
import { saveRun } from "./evolution-store.ts";
import { recordGraph } from "./graph-store.ts";
import { appendCommit } from "./history-store.ts";
import { insertImages } from "./image-store.ts";
import { importInsights, writeInsightChanges } from "./insight-store.ts";
import { completeJob } from "./job-store.ts";
import { importExperience } from "./learning-store.ts";
import { importMemories, insertMemories, updateMemory } from "./memory-store.ts";
import { importMessages, insertMessages, reindexMessages } from "./message-store.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { deleteMemory, supersede } from "./pg-memory-store.ts";
import { importSharedBlocks } from "./shared-block-store.ts";
import type { PgVectorStore } from "./vector-store.ts";

/**
 * Applies a unit of work's operations in order, in one transaction (run again as a whole on a
 * serialization failure). Every compare-and-swap is a conditional write or a row lock inside it, so
 * a stale one throws and rolls all of them back.
 */
export async function applyPgWork(
  db: PgDatabase,
  operations: readonly WorkOperation[],
  vectors: PgVectorStore | null,
): Promise<void> {
  // Records still being found on another thread are awaited before the transaction begins, not
  // inside it, where building them would block the event loop while the transaction stays open.
  await Promise.all(
    operations.map((op) =>
      op.kind === "graph.record" && typeof op.records === "function" ? op.records.settled?.() : undefined,
    ),
  );
  // Graph records are derived rows that refer to no other row of the unit: applied first, they are
  // not written while the event-order lock is held (taken by the unit's first event, held until its
  // commit, it orders every writer of the database).
  const ordered = [
    ...operations.filter((op) => op.kind === "graph.record"),
    ...operations.filter((op) => op.kind !== "graph.record"),
  ];
  const written = writtenItems(operations);
  return db.transaction(async (tx) => {
    const handlers = pgHandlers(tx, written, vectors);
    for (const operation of ordered) await applyOperation(handlers, operation);
  });
}

/** Each operation through the in-transaction function its domain store writes with. */
function pgHandlers(
  tx: Sql,
  written: ReadonlySet<string>,
  vectors: PgVectorStore | null,
): WorkHandlers<Promise<void>> {
  return {
    "agents.create": (op) => insertAgent(tx, op.agent, op.history),
    "agents.setInstructions": (op) => setInstructions(tx, op.agentId, op.change),
    "history.append": (op) => appendCommit(tx, op.input),
    "memories.insert": async (op) => {
      if (op.supersession !== undefined) await supersede(tx, op.supersession);
      await insertMemories(tx, op.writes);
    },
    "memories.update": async (op) => {
      if (op.keys !== undefined) await supersede(tx, { keys: op.keys, closes: [] });
      await updateMemory(tx, op.write, op.expectedVersion);
    },
    "memories.delete": (op) => deleteMemory(tx, op.agentId, op.id, op.version, op.event),
    "memories.import": (op) => importMemories(tx, op.items),
    "messages.append": async (op) => {
      await insertMessages(tx, op.messages);
      await reindexMessages(tx, op.reindex);
      await writeEvents(tx, op.events);
    },
    "messages.import": (op) => importMessages(tx, op.messages),
    "graph.record": (op) => {
      const records = graphRecordsNow(op.records);
      return recordGraph(tx, op.agentId, records, { fresh: records.every((r) => written.has(r.id)) });
    },
    "vectors.upsert": async (op) => {
      if (vectors === null) throw new EngramError("internal", "this database stores no vectors");
      await vectors.upsertIn(tx, op.space, op.agentId, vectorItemsNow(op.items));
    },
    "experience.import": (op) => importExperience(tx, op.agentId, op.data),
    "images.import": (op) => insertImages(tx, op.images),
    "sharedBlocks.import": (op) => importSharedBlocks(tx, op.items),
    "insights.write": (op) => writeInsightChanges(tx, op.agentId, op.changes),
    "insights.import": (op) => importInsights(tx, op.agentId, op.insights),
    "evolution.saveRun": (op) => saveRun(tx, op.run, op.expectedAttempt, op.candidate),
    "jobs.complete": (op) => completeJob(tx, op.completion),
    "events.add": (op) => writeEvents(tx, op.events),
  };
}
