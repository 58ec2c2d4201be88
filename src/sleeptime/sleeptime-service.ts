import { z } from "zod";
import { toIso } from "../core/clock.ts";
import { InvalidInputError, NotFoundError } from "../core/errors.ts";
import { type Agent, JOB_STATUSES, type Job, type Memory, type Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { graphMode } from "../graph/graph-mode.ts";
import { type EngineContext, requireAgent } from "../memory/context.ts";
import { isProjectHolder } from "../memory/memories/project-memory.ts";
import { checkCursor, dropUndefined, PAGE_DEFAULT, PAGE_MAX, pageOf } from "../memory/pagination.ts";
import { modelForAgent, NO_MODEL_HELP, noModelFor } from "../models/language-model.ts";
import { decidesOnWrite, isUndecidedFact } from "./decide-switch.ts";
import { queuedJob } from "./job-attempt.ts";
import type { JobServices } from "./job-run.ts";
import {
  DEFAULT_SLEEP_JOBS,
  JOB_KINDS,
  type JobKind,
  jobOverrides,
  MODEL_JOBS,
  SLEEP_JOB_KINDS,
  type SleepJobKind,
  type SleeptimeOptions,
} from "./options.ts";
import { executeJob, type JobPayload, type RunnerDeps } from "./runner.ts";

export const sleepInput = z.strictObject({
  /** Which jobs, in any order (they run in the canonical order). Default: every job that can run but `decide`. */
  jobs: z.array(z.enum(SLEEP_JOB_KINDS)).min(1, "must name at least one job").max(10).optional(),
  /** Run past gates such as reflection's importance threshold (default true for on-demand runs). */
  force: z.boolean().optional(),
  /** Setting overrides for these jobs (see docs/sleeptime.md). */
  options: jobOverrides.optional(),
  /** Enqueueing again with the same key returns the jobs already made for it. */
  idempotencyKey: z.string().min(1, "must not be empty").max(200).optional(),
});
export type SleepInput = z.input<typeof sleepInput>;

/** The kinds a run of due jobs may be held to. */
const jobKinds = z.array(z.enum(JOB_KINDS)).min(1, "must name at least one kind").max(JOB_KINDS.length);

export const jobListInput = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  kind: z.enum(JOB_KINDS).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(PAGE_MAX).optional(),
});
export type JobListInput = z.input<typeof jobListInput>;

/** Jobs enqueued or run, and the ones left out (a job that needs a model, when there is none). */
export interface SleepRun {
  jobs: Job[];
  skipped: { kind: SleepJobKind; reason: string }[];
}

/** Told as a run goes: `done` of `total` jobs, and the kind now running. */
export type SleepProgress = (done: number, total: number, phase?: string) => void;

/** What an agent did that counts toward a sleep-time trigger: new messages or new episodes. */
export type ActivitySource = "messages" | "episodes";

const ACTIVITY_EVENTS: Record<ActivitySource, string[]> = {
  messages: ["message.appended"],
  episodes: ["episode.recorded", "episode.finished"],
};

/**
 * Sleep-time compute (Letta): background jobs that consolidate, reflect on, rethink and forget an
 * agent's memory. Jobs live in a persistent queue; each job's changes apply in one transaction with
 * its completion, authored `sleeptime`. See docs/sleeptime.md.
 */
export class SleeptimeService {
  readonly #ctx: EngineContext;
  readonly #deps: RunnerDeps;
  readonly options: SleeptimeOptions;

  constructor(ctx: EngineContext, services: JobServices, options: SleeptimeOptions) {
    this.#ctx = ctx;
    this.options = options;
    this.#deps = { ctx, options, services };
  }

  /** Queues jobs for an agent without running them (a runner, `runPending` or `engram serve`, will). */
  async enqueue(agentId: string, input: SleepInput = {}): Promise<SleepRun> {
    const parsed = parseInput(sleepInput, dropUndefined(input), "sleep");
    const agent = await requireAgent(this.#ctx, agentId);
    const { kinds, skipped } = this.#choose(agent, parsed.jobs);
    const payload: JobPayload = { force: parsed.force ?? true, options: parsed.options };
    const jobs = kinds.map((kind) =>
      this.#newJob(
        agent,
        kind,
        "manual",
        payload,
        parsed.idempotencyKey && `${parsed.idempotencyKey}:${kind}`,
      ),
    );
    return { jobs: await this.#ctx.store.jobs.enqueue(jobs), skipped };
  }

  /**
   * Enqueues jobs and runs them now, one after the other, each retried at once (up to its attempts)
   * if an attempt fails, unless its model could not be reached (its calls were retried already).
   * A job another runner holds is returned as it stands.
   */
  async run(agentId: string, input: SleepInput & { onProgress?: SleepProgress } = {}): Promise<SleepRun> {
    const { onProgress, ...rest } = input;
    const queued = await this.enqueue(agentId, rest);
    const done: Job[] = [];
    for (const [i, job] of queued.jobs.entries()) {
      onProgress?.(i, queued.jobs.length, job.kind);
      let current = job;
      while (current.status === "queued" || current.status === "running") {
        const claimed = await this.#ctx.store.jobs.claim({ ...this.#lease(), ids: [current.id] });
        if (claimed === null) break;
        current = await executeJob(this.#deps, claimed, { oneShot: true });
      }
      done.push(current);
    }
    onProgress?.(queued.jobs.length, queued.jobs.length, "done");
    return { jobs: done, skipped: queued.skipped };
  }

  /**
   * Runs due jobs (of one agent, or of all in scope; of some kinds, or all) until none is left or
   * `limit` ran. `kinds: ["deliver"]` finishes only the messages between agents that a crash left
   * undelivered. @throws InvalidInputError naming `kinds` for a kind that is not one
   */
  async runPending(
    input: { agentId?: string; limit?: number; kinds?: readonly JobKind[]; onProgress?: SleepProgress } = {},
  ): Promise<Job[]> {
    const kinds =
      input.kinds === undefined
        ? undefined
        : parseInput(z.strictObject({ kinds: jobKinds }), { kinds: input.kinds }, "jobs to run").kinds;
    const agentId =
      input.agentId === undefined ? undefined : (await requireAgent(this.#ctx, input.agentId)).id;
    const limit = input.limit ?? Number.POSITIVE_INFINITY;
    const done: Job[] = [];
    while (done.length < limit) {
      const claimed = await this.#ctx.store.jobs.claim({
        ...this.#lease(),
        agentId,
        projectId: this.#ctx.projectId,
        kinds,
      });
      if (claimed === null) break;
      input.onProgress?.(done.length, done.length + 1, claimed.kind);
      done.push(await executeJob(this.#deps, claimed));
    }
    return done;
  }

  /** The agent's jobs, newest first. */
  async list(agentId: string, input: JobListInput = {}): Promise<Page<Job>> {
    const parsed = parseInput(jobListInput, dropUndefined(input), "job list");
    checkCursor(parsed.cursor, "job", "job list");
    const agent = await requireAgent(this.#ctx, agentId);
    const limit = parsed.limit ?? PAGE_DEFAULT;
    const rows = await this.#ctx.store.jobs.list(
      {
        agentId: agent.id,
        statuses: parsed.status === undefined ? undefined : [parsed.status],
        kinds: parsed.kind === undefined ? undefined : [parsed.kind],
      },
      { after: parsed.cursor, limit: limit + 1 },
    );
    return pageOf(rows, limit, (job) => job.id);
  }

  async get(agentId: string, jobId: string): Promise<Job> {
    const agent = await requireAgent(this.#ctx, agentId);
    const job = typeof jobId === "string" ? await this.#ctx.store.jobs.get(jobId) : null;
    if (job === null || job.agentId !== agent.id)
      throw new NotFoundError(`job ${jobId} not found on agent ${agent.id}`);
    return job;
  }

  /**
   * The trigger checked after messages or episodes are appended: once `triggers.messages` (or
   * `episodes`) new ones have arrived since it last fired, it enqueues `triggers.jobs` (leaving out a
   * kind already queued) and moves its watermark. Two indexed reads when it does not fire. A failed
   * check is simply made again on the next append, because the watermark did not move.
   */
  async noteActivity(agent: Agent, source: ActivitySource): Promise<void> {
    const threshold = this.options.triggers[source];
    if (threshold === null || isProjectHolder(agent)) return;
    try {
      const { store } = this.#ctx;
      const from = await store.jobs.watermark(agent.id, source);
      const { count, lastSeq } = await store.events.tally({
        agentId: agent.id,
        kinds: ACTIVITY_EVENTS[source],
        afterSeq: from,
      });
      if (count < threshold) return;
      const queued = await store.jobs.list(
        { agentId: agent.id, statuses: ["queued"], kinds: this.options.triggers.jobs },
        { limit: SLEEP_JOB_KINDS.length * 4 },
      );
      const kinds = this.#runnable(agent, this.options.triggers.jobs).filter(
        (kind) => !queued.some((job) => job.kind === kind),
      );
      const jobs = kinds.map((kind) =>
        this.#newJob(agent, kind, source, { force: false }, `${source}:${lastSeq}:${kind}`),
      );
      await store.jobs.enqueue(jobs, { agentId: agent.id, source, from, to: lastSeq });
    } catch {
      // Appends must not fail for a trigger; the next append checks again.
    }
  }

  /**
   * Told after memories were written: when some are unkeyed current facts, the agent has a model and
   * its switch is on (see `decidesOnWrite`), enqueues a `decide` job, unless one is queued already
   * (it will read these facts too: a job decides every fact since the last one). Must not throw: the
   * write has already succeeded; a failed enqueue leaves the facts to consolidation.
   */
  async noteFacts(agent: Agent, memories: readonly Memory[]): Promise<void> {
    // A decision reads the agent's own facts: project memory (under its holder) is no agent's to judge.
    const facts = memories.filter((m) => m.agentId === agent.id && isUndecidedFact(m));
    if (facts.length === 0 || !this.options.decide.onWrite || !decidesOnWrite(agent)) return;
    if (isProjectHolder(agent)) return;
    if (this.#modelProblem(agent) !== null) return;
    try {
      await this.#enqueueUnlessQueued(agent, "decide", () => {
        const first = facts.reduce((a, b) => (b.id < a.id ? b : a));
        return this.#newJob(agent, "decide", "facts", { fromMemory: first.id }, `facts:${first.id}`);
      });
    } catch {
      // The write stands; consolidation judges these facts in bulk later.
    }
  }

  /**
   * Told after memories or messages were written: when the agent's graph mode is `model` and it has
   * a model, enqueues an `extract` job unless one is queued already (it reads everything written
   * since the last extraction). Must not throw: the write has already succeeded, and the next write
   * (or a run naming the job) enqueues it again.
   */
  async noteGraphWrites(agent: Agent): Promise<void> {
    if (!this.options.extract.onWrite || graphMode(agent) !== "model" || isProjectHolder(agent)) return;
    if (this.#modelProblem(agent) !== null) return;
    try {
      await this.#enqueueUnlessQueued(agent, "extract", () =>
        this.#newJob(agent, "extract", "writes", { force: false }),
      );
    } catch {
      // The write stands; the next one enqueues the extraction.
    }
  }

  /**
   * Takes, or renews, the right to run the schedule for `holder` (a scheduler) for `leaseMs`, unless
   * another holder has it and its lease has not lapsed: among every engine on the database, one
   * runs the schedule at a time. Returns whether `holder` has it now.
   */
  async claimSchedule(holder: string, leaseMs: number): Promise<boolean> {
    const now = this.#ctx.now();
    return this.#ctx.store.leaderLeases.claim(this.#scheduleRole(), holder, now, now + leaseMs);
  }

  /** Gives the schedule up, if `holder` has it, so another engine's scheduler takes it at once. */
  async releaseSchedule(holder: string): Promise<void> {
    await this.#ctx.store.leaderLeases.release(this.#scheduleRole(), holder);
  }

  /** The scheduler that runs the schedule now, or null when none does (its lease lapsed). */
  async scheduleHolder(): Promise<string | null> {
    const lease = await this.#ctx.store.leaderLeases.get(this.#scheduleRole());
    return lease !== null && lease.expiresMs > this.#ctx.now() ? lease.owner : null;
  }

  /** A project's view schedules that project alone, so it leads apart from the whole database's. */
  #scheduleRole(): string {
    return this.#ctx.projectId === undefined
      ? "sleeptime.schedule"
      : `sleeptime.schedule:${this.#ctx.projectId}`;
  }

  /**
   * One tick of the schedule: for every agent in scope, enqueues `schedule.jobs` once per interval.
   * Forgetting runs regardless (time alone fades memories); the other jobs only for agents with
   * activity (events by anyone but sleep-time itself) since the last scheduled run.
   *
   * `intervalMs` (default `schedule.intervalMs`) must be the period the caller ticks at: jobs are made
   * once per interval of that length, so a shorter tick with the default would find them made already.
   */
  async scheduleTick(options: { intervalMs?: number | undefined } = {}): Promise<Job[]> {
    const { store } = this.#ctx;
    const intervalMs = options.intervalMs ?? this.options.schedule.intervalMs;
    if (!(Number.isInteger(intervalMs) && intervalMs > 0))
      throw new InvalidInputError(`intervalMs: must be a positive whole number of ms, got ${intervalMs}`);
    const bucket = Math.floor(this.#ctx.now() / intervalMs);
    const enqueued: Job[] = [];
    let after: string | undefined;
    for (;;) {
      const agents = await store.agents.list({ projectId: this.#ctx.projectId, after, limit: 100 });
      for (const agent of agents) {
        // Project memory is refined by no agent's jobs: its holder is storage, not an agent.
        if (isProjectHolder(agent)) continue;
        const from = await store.jobs.watermark(agent.id, "schedule");
        const { count, lastSeq } = await store.events.tally({
          agentId: agent.id,
          afterSeq: from,
          excludeActor: "sleeptime",
        });
        const kinds = this.#runnable(agent, this.options.schedule.jobs).filter(
          (k) => count > 0 || k === "forget",
        );
        if (kinds.length === 0) continue;
        const jobs = kinds.map((kind) =>
          this.#newJob(agent, kind, "schedule", { force: false }, `schedule:${bucket}:${kind}`),
        );
        const advance = count > 0 ? { agentId: agent.id, source: "schedule", from, to: lastSeq } : undefined;
        enqueued.push(...(await store.jobs.enqueue(jobs, advance)));
      }
      const last = agents.at(-1);
      if (last === undefined || agents.length < 100) break;
      after = last.id;
    }
    return enqueued;
  }

  /** The requested kinds in run order; by default every kind that can run for this agent. */
  #choose(
    agent: Agent,
    requested: readonly SleepJobKind[] | undefined,
  ): Omit<SleepRun, "jobs"> & { kinds: SleepJobKind[] } {
    if (requested !== undefined)
      return { kinds: SLEEP_JOB_KINDS.filter((k) => requested.includes(k)), skipped: [] };
    const kinds = this.#runnable(agent, DEFAULT_SLEEP_JOBS);
    const reason = this.#modelProblem(agent);
    const skipped = DEFAULT_SLEEP_JOBS.filter((k) => !kinds.includes(k)).map((kind) => ({
      kind,
      reason: reason ?? "needs a language model",
    }));
    return { kinds, skipped };
  }

  /** The kinds that can run for this agent: all with a model, else those that need none. */
  #runnable(agent: Agent, kinds: readonly SleepJobKind[]): SleepJobKind[] {
    const withModel = this.#modelProblem(agent) === null;
    return SLEEP_JOB_KINDS.filter((k) => kinds.includes(k) && (withModel || !MODEL_JOBS.has(k)));
  }

  #modelProblem(agent: Agent): string | null {
    // The usual case with no model at all, on every memory written, without an error thrown and caught.
    if (noModelFor(this.#ctx, agent)) return NO_MODEL_HELP;
    try {
      modelForAgent(this.#ctx, agent);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Enqueues the job `make` gives unless one of `kind` is queued for the agent already (it will do the work). */
  async #enqueueUnlessQueued(agent: Agent, kind: SleepJobKind, make: () => Job): Promise<void> {
    const { store } = this.#ctx;
    const queued = await store.jobs.list(
      { agentId: agent.id, statuses: ["queued"], kinds: [kind] },
      { limit: 1 },
    );
    if (queued.length === 0) await store.jobs.enqueue([make()]);
  }

  #newJob(agent: Agent, kind: SleepJobKind, trigger: string, payload: JobPayload, key?: string): Job {
    return queuedJob(this.#ctx, agent, {
      kind,
      trigger,
      payload: JSON.parse(JSON.stringify(payload)),
      maxAttempts: this.options.queue.maxAttempts,
      idempotencyKey: key ?? null,
    });
  }

  #lease(): { now: string; leaseExpiresAt: string } {
    const now = this.#ctx.now();
    return { now: toIso(now), leaseExpiresAt: toIso(now + this.options.queue.leaseMs) };
  }
}
