import { isDeepStrictEqual } from "node:util";
import type { Agent, JsonObject, Memory } from "../core/types.ts";
import type { InsightOperation, InsightPlan } from "../insights/insight-service.ts";
import type { PreparedCommit } from "../memory/blocks/block-service.ts";
import { type EngineContext, makeEvent, nowIso } from "../memory/context.ts";
import { withMark } from "../memory/memories/memory-mark.ts";
import { memoryWrite } from "../memory/memories/memory-service.ts";
import type { UnitOfWork } from "../store/store.ts";

/** One thing a job changed, as its report lists it. */
export type JobChange =
  | { type: "merged"; memoryId: string; duplicates: string[]; similarity: number; reason: string }
  | { type: "superseded"; memoryId: string; by: string; validTo: string; reason: string }
  | { type: "linked"; memoryIds: [string, string]; reason: string }
  | { type: "archived"; memoryId: string; retention: number; reason: string }
  | { type: "insight"; memoryId: string; text: string; userId: string | null; evidence: string[] }
  | { type: "rules"; applied: InsightOperation[]; upserts: number; deletes: number }
  | { type: "blocks"; commit: string; labels: string[]; message: string };

export { addIds, markOf, type SleeptimeMark, withMark } from "../memory/memories/memory-mark.ts";

/**
 * The changes a job accumulates while it runs; nothing is written until the runner adds them to a
 * unit of work (`addTo`) with the job's completion, which applies all of it in one transaction.
 */
export class ChangeSet {
  readonly #ctx: EngineContext;
  readonly #agent: Agent;
  readonly #jobId: string;
  readonly #staged = new Map<string, { before: Memory; after: Memory; reasons: string[] }>();
  readonly #inserts: Memory[] = [];
  #commit: PreparedCommit | null = null;
  #insights: InsightPlan | null = null;
  /** What changed, for the job's report. */
  readonly report: JobChange[] = [];

  constructor(ctx: EngineContext, agent: Agent, jobId: string) {
    this.#ctx = ctx;
    this.#agent = agent;
    this.#jobId = jobId;
  }

  /** The memory as this job has left it so far. */
  current(memory: Memory): Memory {
    return this.#staged.get(memory.id)?.after ?? memory;
  }

  /**
   * Changes a memory; several edits of one memory in a job make one new version. Returns false (and
   * records nothing) when the edit leaves the memory as it was.
   */
  edit(memory: Memory, reason: string, change: (memory: Memory) => Memory): boolean {
    const staged = this.#staged.get(memory.id);
    const base = staged?.after ?? memory;
    const next = change(structuredClone(base));
    if (isDeepStrictEqual(next, base)) return false;
    if (staged === undefined) this.#staged.set(memory.id, { before: memory, after: next, reasons: [reason] });
    else {
      staged.after = next;
      staged.reasons.push(reason);
    }
    return true;
  }

  /** Adds a new memory (its metadata should carry a sleep-time mark saying where it came from). */
  insert(memory: Memory): void {
    this.#inserts.push(memory);
  }

  /** The memories this job adds, so far. */
  get inserted(): readonly Memory[] {
    return this.#inserts;
  }

  /** The memories this job changes, each as it was read and as the job leaves it. */
  get updated(): readonly { before: Memory; after: Memory }[] {
    return [...this.#staged.values()].map(({ before, after }) => ({ before, after }));
  }

  /** The memories this job leaves with a text they did not have: its inserts, and rewritten ones. */
  get newTexts(): readonly Memory[] {
    const rewritten = [...this.#staged.values()].filter(({ before, after }) => after.text !== before.text);
    return [...this.#inserts, ...rewritten.map(({ after }) => after)];
  }

  setCommit(prepared: PreparedCommit): void {
    this.#commit = prepared.append === null ? null : prepared;
  }

  setInsights(plan: InsightPlan): void {
    this.#insights = plan.events.length === 0 ? null : plan;
  }

  get empty(): boolean {
    return (
      this.#staged.size === 0 &&
      this.#inserts.length === 0 &&
      this.#commit === null &&
      this.#insights === null
    );
  }

  /**
   * Adds everything to `work`, with the job's summary event when anything changed: memory inserts,
   * memory updates (each only if the memory is still at the version read), the block commit, the
   * rules. Returns the checkpoint the job's completion records, or null when nothing changed.
   */
  addTo(work: UnitOfWork, kind: string, summary: string): { commitId: string | null } | null {
    const at = nowIso(this.#ctx);
    const agent = this.#agent;
    const job = this.#jobId;
    const memoryUpdates = [...this.#staged.values()].map(({ before, after, reasons }) => {
      const memory = withMark(
        { ...after, version: before.version + 1, updatedAt: at },
        { job, reason: reasons.join("; ") },
      );
      return {
        write: memoryWrite(this.#ctx, agent, { memory, operation: "update", actor: "sleeptime", before, at }),
        expectedVersion: before.version,
      };
    });
    const memoryInserts = this.#inserts.map((memory) =>
      memoryWrite(this.#ctx, agent, {
        memory: withMark(memory, { job }),
        operation: "create",
        actor: "sleeptime",
        before: null,
        at,
      }),
    );
    const append = this.#commit?.append ?? null;
    const commit =
      append === null
        ? null
        : { ...append, event: { ...append.event, after: tagged(append.event.after, job) } };
    const insights =
      this.#insights === null
        ? null
        : {
            upserts: this.#insights.upserts,
            deletes: this.#insights.deletes,
            expected: this.#insights.expected,
            events: this.#insights.events.map((e) => ({ ...e, after: tagged(e.after, job) })),
          };
    const events = this.empty
      ? []
      : [
          makeEvent(this.#ctx, {
            projectId: agent.projectId,
            agentId: agent.id,
            actor: "sleeptime",
            kind: "sleeptime.completed",
            targetType: "job",
            targetId: job,
            after: { job, kind, summary, changes: this.report, commit: append?.commit.id ?? null },
            createdAt: at,
          }),
        ];
    work.memories.insert(memoryInserts);
    for (const { write, expectedVersion } of memoryUpdates) work.memories.update(write, expectedVersion);
    if (commit !== null) work.history.append(commit);
    if (insights !== null) work.insights.write(agent.id, insights);
    work.events.add(events);
    return this.empty ? null : { commitId: append?.commit.id ?? null };
  }
}

function tagged(after: unknown, job: string): JsonObject {
  return typeof after === "object" && after !== null && !Array.isArray(after)
    ? { ...(after as JsonObject), job }
    : { value: after, job };
}
