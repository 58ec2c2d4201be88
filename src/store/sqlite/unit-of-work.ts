import { EngramError } from "../../core/errors.ts";
import { graphRecordsNow, vectorItemsNow } from "../store.ts";
import { applyOperation, type WorkHandlers, type WorkOperation, writtenItems } from "../unit-of-work.ts";
import type { SqliteAgentStore } from "./agent-store.ts";
import { inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { SqliteEvolutionStore } from "./evolution-store.ts";
import type { SqliteGraphStore } from "./graph-store.ts";
import type { SqliteHistoryStore } from "./history-store.ts";
import { insertImagesNow } from "./image-store.ts";
import type { SqliteInsightStore } from "./insight-store.ts";
import type { SqliteJobStore } from "./job-store.ts";
import type { SqliteExperienceStore } from "./learning-store.ts";
import type { SqliteMemoryStore } from "./memory-store.ts";
import type { SqliteMessageStore } from "./message-store.ts";
import { importSharedBlocks } from "./shared-block-store.ts";
import type { Statements } from "./statements.ts";
import type { SqliteVectorStore } from "./vector-store.ts";
import { WrittenRows } from "./written-rows.ts";

/** The domain stores whose synchronous writes a unit of work runs inside its transaction. */
export interface WorkTargets {
  statements: Statements;
  agents: SqliteAgentStore;
  history: SqliteHistoryStore;
  memories: SqliteMemoryStore;
  messages: SqliteMessageStore;
  graph: SqliteGraphStore;
  experience: SqliteExperienceStore;
  insights: SqliteInsightStore;
  evolution: SqliteEvolutionStore;
  jobs: SqliteJobStore;
  vectors: SqliteVectorStore | null;
}

/**
 * Applies a unit of work's operations in order, in one IMMEDIATE transaction. The writes are
 * synchronous, so the transaction never spans an await and the shared connection serves no other
 * write meanwhile; any throw rolls all of them back.
 */
export async function applySqliteWork(
  targets: WorkTargets,
  operations: readonly WorkOperation[],
): Promise<void> {
  // What the operations leave to do once the transaction has committed (work that must not run in it).
  const after: (() => void)[] = [];
  const handlers = sqliteHandlers(targets, writtenItems(operations), new WrittenRows(), after);
  await inWriteTransaction(targets.statements.db, () => {
    for (const operation of operations) applyOperation(handlers, operation);
  });
  for (const task of after) task();
}

/** Each operation through the domain store's synchronous write, which joins the open transaction. */
function sqliteHandlers(
  t: WorkTargets,
  written: ReadonlySet<string>,
  rows: WrittenRows,
  after: (() => void)[],
): WorkHandlers<void> {
  return {
    "agents.create": (op) => t.agents.insertNow(op.agent, op.history, []),
    "agents.setInstructions": (op) => t.agents.setInstructionsNow(op.agentId, op.change),
    "history.append": (op) => t.history.appendNow(op.input),
    "memories.insert": (op) => {
      if (op.supersession !== undefined) t.memories.supersedeNow(op.supersession);
      if (op.writes.length > 0) t.memories.insertNow(op.writes, rows);
    },
    "memories.update": (op) => {
      if (op.keys !== undefined) t.memories.supersedeNow({ keys: op.keys, closes: [] });
      t.memories.updateNow(op.write, op.expectedVersion);
    },
    "memories.delete": (op) => {
      t.memories.deleteNow(op.agentId, op.id, op.version, op.event);
      rows.forget("memory", op.id);
    },
    "memories.import": (op) => t.memories.importNow(op.items),
    "messages.append": (op) => t.messages.appendNow(op.messages, op.reindex, op.events, rows),
    "messages.import": (op) => t.messages.appendNow(op.messages, [], [], rows),
    "graph.record": (op) => {
      const records = graphRecordsNow(op.records);
      t.graph.recordNow(op.agentId, records, {
        fresh: records.every((r) => written.has(r.id)),
        written: rows,
      });
    },
    "vectors.upsert": (op) => {
      if (t.vectors === null) throw new EngramError("internal", "this database stores no vectors");
      const task = t.vectors.upsertNow(op.space, op.agentId, vectorItemsNow(op.items), written, rows);
      if (task !== null) after.push(task);
    },
    "experience.import": (op) =>
      t.experience.importNow(op.agentId, op.data.episodes, op.data.records, op.data.version),
    "images.import": (op) => insertImagesNow(t.statements, op.images),
    "sharedBlocks.import": (op) => importSharedBlocks(t.statements, op.items),
    "insights.write": ({ agentId, changes }) =>
      t.insights.writeNow(agentId, changes.upserts, changes.deletes, changes.events, changes.expected),
    "insights.import": (op) => t.insights.importNow(op.agentId, op.insights),
    "evolution.saveRun": (op) => t.evolution.saveRunNow(op.run, op.expectedAttempt, op.candidate),
    "jobs.complete": (op) => t.jobs.completeNow(op.completion),
    "events.add": (op) => writeEvents(t.statements, op.events),
  };
}
