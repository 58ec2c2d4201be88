import { EngramError } from "../core/errors.ts";
import type { EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import type { BlockAttachment, SharedBlock } from "../core/shared-block-types.ts";
import type {
  Agent,
  Episode,
  ExperienceRecord,
  Insight,
  JsonObject,
  Memory,
  MemoryVersion,
  NewEvent,
} from "../core/types.ts";
import type {
  AppendCommit,
  GraphRecords,
  HistorySnapshot,
  IndexedMessage,
  InsightChanges,
  MemoryWrite,
  StoredImage,
  Supersession,
  VectorItems,
  VectorSpace,
} from "./store.ts";

/** New instructions for an agent, applied only if its instructions are still `expected`. */
export interface InstructionsChange {
  value: string;
  expected: string;
  updatedAt: string;
  event: NewEvent;
}

/** A job's completion: it succeeds with `result`, provided `attempt` still holds it. */
export interface JobCompletion {
  id: string;
  attempt: number;
  result: JsonObject;
  finishedAt: string;
  /**
   * When the job changed something: the checkpoint it records is the event-log position reached by
   * the operations before this one in the unit, and the block commit it made (if any).
   */
  checkpoint: { commitId: string | null } | null;
}

/** What an imported agent's learning holds: episodes with their steps, and its experience memory. */
export interface ExperienceImport {
  episodes: readonly Episode[];
  /** The records and the experience version (the counter caches compare). */
  version: number;
  records: readonly ExperienceRecord[];
}

/**
 * A shared block an imported agent carries: created in the agent's project unless it is there already
 * (an agent of the project imported before carried it), then attached to the agent.
 */
export interface SharedBlockImport {
  block: SharedBlock;
  attachment: BlockAttachment;
  /**
   * Set when the block is in the project already: the version the import read it at (the agent's
   * copy was brought in step with it). The version moves on, as an attach moves it; a block that
   * moved or went meanwhile is a ConflictError with `details.retry: "shared"`, and nothing is written.
   */
  version?: number | undefined;
}

/**
 * One operation of a unit of work, as a backend applies it. Every backend implements each kind once,
 * inside the transaction of the commit.
 */
export type WorkOperation =
  | { kind: "agents.create"; agent: Agent; history: HistorySnapshot }
  | { kind: "agents.setInstructions"; agentId: string; change: InstructionsChange }
  | { kind: "history.append"; input: AppendCommit }
  | { kind: "memories.insert"; writes: readonly MemoryWrite[]; supersession?: Supersession | undefined }
  | {
      kind: "memories.update";
      write: MemoryWrite;
      expectedVersion: number;
      keys?: Supersession["keys"] | undefined;
    }
  | { kind: "memories.delete"; agentId: string; id: string; version: MemoryVersion; event: NewEvent }
  | { kind: "memories.import"; items: readonly { memory: Memory; versions: readonly MemoryVersion[] }[] }
  | {
      kind: "messages.append";
      messages: readonly IndexedMessage[];
      reindex: readonly IndexedMessage[];
      events: readonly NewEvent[];
    }
  | { kind: "messages.import"; messages: Iterable<IndexedMessage> }
  | { kind: "graph.record"; agentId: string; records: GraphRecords }
  | { kind: "vectors.upsert"; space: VectorSpace; agentId: string; items: VectorItems }
  | { kind: "experience.import"; agentId: string; data: ExperienceImport }
  | { kind: "images.import"; images: readonly StoredImage[] }
  | { kind: "sharedBlocks.import"; items: readonly SharedBlockImport[] }
  | { kind: "insights.write"; agentId: string; changes: InsightChanges }
  | { kind: "insights.import"; agentId: string; insights: readonly Insight[] }
  | {
      kind: "evolution.saveRun";
      run: EvolutionRun;
      expectedAttempt: number;
      candidate: EvolutionCandidate | null;
    }
  | { kind: "jobs.complete"; completion: JobCompletion }
  | { kind: "events.add"; events: readonly NewEvent[] };

/**
 * How a backend applies each kind of operation inside its transaction: one function per kind, so a
 * backend that misses one does not compile. `R` is `void` for a synchronous backend, a promise otherwise.
 */
export type WorkHandlers<R> = {
  [K in WorkOperation["kind"]]: (operation: Extract<WorkOperation, { kind: K }>) => R;
};

/** Runs the handler of `operation`'s kind. */
export function applyOperation<R>(handlers: WorkHandlers<R>, operation: WorkOperation): R {
  return (handlers[operation.kind] as (operation: WorkOperation) => R)(operation);
}

/**
 * Writes across domains that succeed or fail together. Operations are collected as the service
 * composes them, and `commit()` applies them in order in one backend transaction: every
 * compare-and-swap is checked there, and a stale one (a ConflictError) rolls all of them back.
 * Nothing is written before `commit()`, so a unit that is dropped writes nothing.
 *
 * @example
 * const work = store.unitOfWork();
 * work.memories.update(write, 3);
 * work.history.append(commit);
 * work.events.add([summary]);
 * await work.commit();
 */
export interface UnitOfWork {
  readonly agents: {
    /**
     * Creates an agent with its history (no events: add them with `events.add`).
     * @throws ConflictError when the id exists or the project has an agent of that name;
     * NotFoundError when the project does not exist.
     */
    create(agent: Agent, history: HistorySnapshot): void;
    /** Sets the agent's instructions. @throws ConflictError when they are no longer `expected`. */
    setInstructions(agentId: string, change: InstructionsChange): void;
  };
  readonly history: {
    /** Adds a commit and moves its branch. @throws ConflictError when the branch left `expectedHead`. */
    append(input: AppendCommit): void;
  };
  readonly memories: {
    /**
     * Inserts memories with their first versions and events; with `supersession`, the facts they
     * close are closed first (see `MemoryStore.insert`). @throws ConflictError when a key's facts moved.
     */
    insert(writes: readonly MemoryWrite[], supersession?: Supersession): void;
    /**
     * Replaces a memory. With `keys`, each key's facts are first checked to be as read (as an
     * insert's supersession checks them). @throws ConflictError when it is no longer at
     * `expectedVersion`, or a key's facts moved.
     */
    update(write: MemoryWrite, expectedVersion: number, keys?: Supersession["keys"]): void;
    /** Removes a memory (its history stays), as `MemoryStore.delete`. @throws NotFoundError. */
    delete(agentId: string, id: string, version: MemoryVersion, event: NewEvent): void;
    /**
     * Writes memories as they are, with all their versions (an import); active ones are indexed.
     * @throws ConflictError when a memory id (or its history) exists.
     */
    import(items: readonly { memory: Memory; versions: readonly MemoryVersion[] }[]): void;
  };
  readonly messages: {
    /** Appends messages and re-indexes earlier ones, as `MessageStore.append`. */
    append(
      messages: readonly IndexedMessage[],
      reindex: readonly IndexedMessage[],
      events: readonly NewEvent[],
    ): void;
    /**
     * Writes a conversation in order, indexed as `MessageStore.append` indexes it; read once, at
     * commit, so it may be computed as it is read. @throws ConflictError on an id that exists.
     */
    import(messages: Iterable<IndexedMessage>): void;
  };
  readonly graph: {
    /**
     * Records what memories and messages say about entities, as `GraphStore.record`: with the write
     * of those items in the same unit, the graph is never short of an acknowledged write. Records
     * given as a function are built when the unit reaches this operation.
     */
    record(agentId: string, records: GraphRecords): void;
  };
  readonly vectors: {
    /**
     * Stores the vectors of an agent's items in `space` (replacing any they had), as
     * `VectorStore.upsert`: with the write of those items in the same unit, an acknowledged memory or
     * message never lacks the vector it was embedded with. Items that are not the agent's are
     * skipped. The store must have vectors (`store.vectors` initialised); the unit fails otherwise.
     * Vectors still being computed are waited for when the unit reaches this operation.
     */
    upsert(space: VectorSpace, agentId: string, items: VectorItems): void;
  };
  readonly experience: {
    /**
     * Writes an agent's episodes and experience records as they are, and its experience version (which
     * never goes back). @throws ConflictError on an id that exists.
     */
    import(agentId: string, data: ExperienceImport): void;
  };
  readonly images: {
    /** Stores images as they are (an import); one already there for its agent changes nothing. */
    import(images: readonly StoredImage[]): void;
  };
  readonly sharedBlocks: {
    /**
     * Creates each shared block in its project unless it is there already, and attaches it as given
     * (an import; the agent must be created before). @throws ConflictError when the block's id
     * belongs to another project.
     */
    import(items: readonly SharedBlockImport[]): void;
  };
  readonly insights: {
    /** Upserts and deletes rules with their events. @throws ConflictError when an expectation is stale. */
    write(agentId: string, changes: InsightChanges): void;
    /** Writes rules as they were (an import). @throws ConflictError when an id exists. */
    import(agentId: string, insights: readonly Insight[]): void;
  };
  readonly evolution: {
    /**
     * Replaces the run's mutable fields and writes `candidate` (insert or replace), if the run is still
     * at `expectedAttempt`. @throws ConflictError with `details.fenced` when another attempt drives it.
     */
    saveRun(run: EvolutionRun, expectedAttempt: number, candidate: EvolutionCandidate | null): void;
  };
  readonly jobs: {
    /** Marks the job succeeded. @throws ConflictError when the attempt no longer holds it. */
    complete(completion: JobCompletion): void;
  };
  readonly events: {
    /** Appends events to the log, after what the operations before them wrote. */
    add(events: readonly NewEvent[]): void;
  };
  /** The operations collected so far, in order. */
  readonly operations: readonly WorkOperation[];
  /**
   * Applies every operation in one transaction, or none. An empty unit writes nothing. A unit
   * commits once: later calls, and operations added after it, are refused.
   */
  commit(): Promise<void>;
}

/** The memories and messages a unit creates (so none of them has a graph record or vector yet). */
export function writtenItems(operations: readonly WorkOperation[]): Set<string> {
  const ids = new Set<string>();
  for (const op of operations) {
    if (op.kind === "memories.insert") for (const write of op.writes) ids.add(write.memory.id);
    if (op.kind === "messages.append") for (const { message } of op.messages) ids.add(message.id);
  }
  return ids;
}

/**
 * A unit of work that collects operations and hands them, at `commit()`, to `apply`, which runs them
 * in one transaction. Backends supply `apply`; everything else is shared.
 */
export function collectWork(apply: (operations: readonly WorkOperation[]) => Promise<void>): UnitOfWork {
  const operations: WorkOperation[] = [];
  let committed = false;
  const add = (operation: WorkOperation) => {
    if (committed) throw new EngramError("internal", "this unit of work has been committed: start another");
    operations.push(operation);
  };
  return {
    agents: {
      create: (agent, history) => add({ kind: "agents.create", agent, history }),
      setInstructions: (agentId, change) => add({ kind: "agents.setInstructions", agentId, change }),
    },
    history: { append: (input) => add({ kind: "history.append", input }) },
    memories: {
      insert: (writes, supersession) => add({ kind: "memories.insert", writes, supersession }),
      update: (write, expectedVersion, keys) =>
        add({ kind: "memories.update", write, expectedVersion, keys }),
      delete: (agentId, id, version, event) => add({ kind: "memories.delete", agentId, id, version, event }),
      import: (items) => add({ kind: "memories.import", items }),
    },
    messages: {
      append: (messages, reindex, events) => add({ kind: "messages.append", messages, reindex, events }),
      import: (messages) => add({ kind: "messages.import", messages }),
    },
    graph: { record: (agentId, records) => add({ kind: "graph.record", agentId, records }) },
    vectors: { upsert: (space, agentId, items) => add({ kind: "vectors.upsert", space, agentId, items }) },
    experience: { import: (agentId, data) => add({ kind: "experience.import", agentId, data }) },
    images: { import: (images) => add({ kind: "images.import", images }) },
    sharedBlocks: { import: (items) => add({ kind: "sharedBlocks.import", items }) },
    insights: {
      write: (agentId, changes) => add({ kind: "insights.write", agentId, changes }),
      import: (agentId, insights) => add({ kind: "insights.import", agentId, insights }),
    },
    evolution: {
      saveRun: (run, expectedAttempt, candidate) =>
        add({ kind: "evolution.saveRun", run, expectedAttempt, candidate }),
    },
    jobs: { complete: (completion) => add({ kind: "jobs.complete", completion }) },
    events: { add: (events) => add({ kind: "events.add", events }) },
    operations,
    async commit() {
      if (committed) throw new EngramError("internal", "this unit of work has been committed already");
      committed = true;
      if (operations.length > 0) await apply(operations);
    },
  };
}
