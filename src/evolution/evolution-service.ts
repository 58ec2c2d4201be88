import type { LanguageModel } from "ai";
import { ConflictError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import type { Agent, Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import type { EventKind } from "../memory/events/event-kinds.ts";
import { pageInput, pageOf } from "../memory/pagination.ts";
import { modelForAgent } from "../models/language-model.ts";
import { type Checker, CheckerRegistry } from "./checkers.ts";
import { type DistillOptions, type DistillResult, distill } from "./distill.ts";
import { EvolutionLoop } from "./evolution-loop.ts";
import { type AgentAccess, loadContext, prepareContext, sameRules } from "./gate.ts";
import { diffContexts, type LearnedContext } from "./learned-context.ts";
import { buildReport, type EvolutionReport } from "./report.ts";
import {
  type EvolveSettings,
  evolveSettings,
  gateConfig,
  type RunConfig,
  resolveComponents,
} from "./run-config.ts";
import { saveRun } from "./save-run.ts";
import { modelTaskRunner, type TaskRunner } from "./task-runner.ts";
import { parseTaskJsonl, parseTasks, splitTasks, type Task } from "./task-set.ts";

/** What drives a run besides its settings: models, a runner, checkers, progress. */
export interface RunDrivers {
  /** The model that reflects and, with the default runner, answers: else the agent's, the engine's, ENGRAM_MODEL. */
  model?: LanguageModel | string | undefined;
  /** Runs the agent on a task (default: the model with the learned context as the system prompt). */
  runner?: TaskRunner | undefined;
  /** Custom checkers for this run, beside those registered on `engram.evolution.checkers`. */
  checkers?: Readonly<Record<string, Checker>> | undefined;
  onProgress?: ((done: number, total: number, phase: string) => void) | undefined;
}

export interface EvolveOptions extends EvolveSettings, RunDrivers {
  /** The task set: a list of task objects, or JSON Lines text. */
  tasks: readonly unknown[] | string;
  /** Where the tasks came from (a file name), for errors and the record. */
  source?: string | undefined;
}

export interface EvolutionResult {
  run: EvolutionRun;
  report: EvolutionReport;
}

/** What `rollback` did. */
export interface EvolutionRollback {
  /** Whether the agent's learned context changed (false: the run accepted nothing, or it was undone). */
  changed: boolean;
  /** The block commit that restored the blocks, when they changed. */
  commitId: string | null;
  /** The run's accepted candidates, whose changes were undone. */
  candidates: string[];
}

/**
 * Self-evolution of an agent's learned context over a task set (see docs/evolution.md): runs are
 * recorded candidate by candidate, accepted candidates are commits authored `evolver`, and an
 * interrupted run resumes where its records stop.
 *
 * @example
 * const { report } = await engram.evolution.evolve(agent.id, {
 *   tasks: [{ input: "2+2", expected: "4" }, …], rounds: 5, seed: 7,
 * });
 */
export class EvolutionService {
  readonly #ctx: EngineContext;
  readonly #access: AgentAccess;
  /** Custom checkers tasks can name (`"checker": "name"`), beside the built-in ones. */
  readonly checkers: CheckerRegistry;

  constructor(ctx: EngineContext, access: Omit<AgentAccess, "store">, checkers = new CheckerRegistry()) {
    this.#ctx = ctx;
    this.#access = { ...access, store: ctx.store };
    this.checkers = checkers;
  }

  /** Runs an evolution to the end and returns its report. A failure is recorded; resume the run to go on. */
  async evolve(agentId: string, options: EvolveOptions): Promise<EvolutionResult> {
    const { done } = await this.start(agentId, options);
    const run = await done;
    return { run, report: run.report as unknown as EvolutionReport };
  }

  /**
   * Checks the settings, records a new run and starts it; `done` settles when it ends. Everything
   * that can be refused (settings, tasks, a missing model) is refused before anything is recorded.
   */
  async start(
    agentId: string,
    options: EvolveOptions,
  ): Promise<{ run: EvolutionRun; done: Promise<EvolutionRun> }> {
    const {
      tasks: rawTasks,
      source,
      model: modelOption,
      runner,
      checkers: extra,
      onProgress,
      ...rest
    } = options;
    const settings = parseInput(evolveSettings, dropUndefined(rest), "evolution settings");
    const agent = await requireAgent(this.#ctx, agentId);
    const checkers = extra === undefined ? this.checkers : this.checkers.extend(extra);
    const tasks = readTasks(rawTasks, checkers, source);
    splitTasks(tasks, settings.seed, settings);
    const model = modelForAgent(this.#ctx, agent, modelOption);
    const branch = settings.branch ?? agent.defaultBranch;
    const { context } = await loadContext(this.#access, agent, branch);
    const config: RunConfig = {
      rounds: settings.rounds,
      tolerance: settings.tolerance ?? 0,
      gate: gateConfig(settings),
      maxRollouts: settings.maxRollouts ?? null,
      holdout: settings.holdout,
      validation: settings.validation,
      minibatch: settings.minibatch,
      poolSize: settings.poolSize,
      components: resolveComponents(settings.components, context, settings.exemplars),
      exemplars: settings.exemplars,
      mergeEvery: settings.mergeEvery,
      concurrency: settings.concurrency,
      objective: settings.objective ?? null,
      model: modelName(modelOption ?? agent.model ?? this.#ctx.model ?? this.#ctx.env.ENGRAM_MODEL, model),
      source: source ?? null,
      tasks,
    };
    const now = nowIso(this.#ctx);
    const run: EvolutionRun = {
      id: this.#ctx.generateId("evolutionRun"),
      agentId: agent.id,
      branch,
      seed: settings.seed,
      config: config as unknown as Record<string, unknown>,
      status: "running",
      attempt: 1,
      round: 0,
      state: {},
      report: null,
      error: null,
      startedAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    await this.#ctx.store.evolution.createRun(run, [
      this.#event(agent, run, "evolution.started", {
        seed: run.seed,
        rounds: config.rounds,
        tasks: tasks.length,
      }),
    ]);
    const loop = new EvolutionLoop(
      {
        ctx: this.#ctx,
        access: this.#access,
        checkers,
        model,
        runner: runner ?? modelTaskRunner(model),
        onProgress,
      },
      run,
      [],
    );
    return { run, done: loop.drive() };
  }

  /**
   * Continues a run that crashed or failed from where its records stop: a half-done round is
   * abandoned and redone, a half-applied candidate is finished. The run takes a new attempt, so a
   * process still driving the old one is refused its next write.
   * @throws ConflictError when the run finished or was stopped by a change to the agent.
   */
  async resume(agentId: string, runId: string, drivers: RunDrivers = {}): Promise<EvolutionResult> {
    const { done } = await this.startResume(agentId, runId, drivers);
    const run = await done;
    return { run, report: run.report as unknown as EvolutionReport };
  }

  /** `resume`, returning once the run is claimed; `done` settles when it ends. */
  async startResume(
    agentId: string,
    runId: string,
    drivers: RunDrivers = {},
  ): Promise<{ run: EvolutionRun; done: Promise<EvolutionRun> }> {
    const agent = await requireAgent(this.#ctx, agentId);
    const run = await this.get(agent.id, runId);
    if (run.status === "finished")
      throw new ConflictError(`evolution run ${run.id} has finished: there is nothing to resume`);
    if (run.status === "stopped")
      throw new ConflictError(
        `evolution run ${run.id} was stopped (${run.error ?? "the agent changed"}): start a new run`,
      );
    const checkers = drivers.checkers === undefined ? this.checkers : this.checkers.extend(drivers.checkers);
    const config = run.config as unknown as RunConfig;
    for (const task of config.tasks) {
      if (task.kind === "text" && !checkers.has(task.checker))
        throw new InvalidInputError(
          `task ${task.id} names the checker "${task.checker}", which is not registered: register it before resuming`,
        );
    }
    const model = modelForAgent(this.#ctx, agent, drivers.model);
    const claimed: EvolutionRun = {
      ...run,
      attempt: run.attempt + 1,
      status: "running",
      error: null,
      updatedAt: nowIso(this.#ctx),
    };
    await saveRun(this.#ctx.store, {
      run: claimed,
      expectedAttempt: run.attempt,
      candidate: null,
      events: [
        this.#event(agent, claimed, "evolution.resumed", { attempt: claimed.attempt, round: claimed.round }),
      ],
    });
    const candidates = await this.#ctx.store.evolution.listCandidates(agent.id, run.id);
    const loop = new EvolutionLoop(
      {
        ctx: this.#ctx,
        access: this.#access,
        checkers,
        model,
        runner: drivers.runner ?? modelTaskRunner(model),
        onProgress: drivers.onProgress,
      },
      claimed,
      candidates,
    );
    return { run: claimed, done: loop.drive() };
  }

  async get(agentId: string, runId: string): Promise<EvolutionRun> {
    const agent = await requireAgent(this.#ctx, agentId);
    const run = await this.#ctx.store.evolution.getRun(agent.id, runId);
    if (run === null) throw new NotFoundError(`evolution run ${runId} not found on agent ${agent.id}`);
    return run;
  }

  /** The agent's runs, newest first. */
  async list(
    agentId: string,
    options: { cursor?: string; limit?: number } = {},
  ): Promise<Page<EvolutionRun>> {
    const agent = await requireAgent(this.#ctx, agentId);
    const { cursor, limit } = pageInput(options, "evolutionRun");
    const rows = await this.#ctx.store.evolution.listRuns(agent.id, { after: cursor, limit: limit + 1 });
    return pageOf(rows, limit, (r) => r.id);
  }

  /** Every candidate of a run, in the order they were made. */
  async candidates(agentId: string, runId: string): Promise<EvolutionCandidate[]> {
    const run = await this.get(agentId, runId);
    return this.#ctx.store.evolution.listCandidates(run.agentId, run.id);
  }

  /** The run's report, built from its records (so it also describes runs still going or failed). */
  async report(agentId: string, runId: string): Promise<EvolutionReport> {
    const run = await this.get(agentId, runId);
    return buildReport(run, await this.#ctx.store.evolution.listCandidates(run.agentId, run.id));
  }

  /**
   * Rolls a run back: the agent's learned context (instructions, blocks, insight rules) on the run's
   * branch is put back as the run found it, in one transaction: one block commit authored `user`,
   * an instructions update and an insight change by `user`, and an `evolution.rolled_back` event.
   * Only a context as the run left it is rolled back: a change made since (an edit, another run) is
   * never undone this way.
   * @throws ConflictError while the run is running, or when the agent changed since the run's last
   *   accepted candidate (naming what changed).
   */
  async rollback(agentId: string, runId: string): Promise<EvolutionRollback> {
    const agent = await requireAgent(this.#ctx, agentId);
    const run = await this.get(agent.id, runId);
    if (run.status === "running")
      throw new ConflictError(`evolution run ${run.id} is running: roll it back once it has ended`);
    const candidates = await this.#ctx.store.evolution.listCandidates(agent.id, run.id);
    const seed = candidates.find((c) => c.round === 0);
    // The seed is recorded as accepted too: it is the context the run started from.
    const accepted = candidates.filter((c) => c.decision === "accepted" && c.round > 0);
    const last = accepted.at(-1);
    const none = { changed: false, commitId: null, candidates: accepted.map((c) => c.id) };
    if (seed === undefined || last === undefined) return none;
    const now = await loadContext(this.#access, agent, run.branch);
    // Rolled back already (or every change undone by hand): nothing to do.
    if (changedComponents(now.context, seed.context).length === 0) return none;
    const since = changedComponents(last.context, now.context);
    if (since.length > 0)
      throw new ConflictError(
        `the agent changed since evolution run ${run.id} last accepted a candidate (${since.join(", ")}): ` +
          "it is not rolled back over that change; revert by hand (engram revert, agent update, insights)",
        { details: { changed: since } },
      );
    const { write, commitId } = await prepareContext(
      this.#access,
      agent.id,
      run.branch,
      now,
      seed.context,
      { message: `roll back evolve ${run.id}: the learned context it started from`, marker: run.id },
      { by: "user", exact: true },
    );
    const work = this.#ctx.store.unitOfWork();
    if (write.commit !== null) work.history.append(write.commit);
    if (write.instructions !== null) work.agents.setInstructions(agent.id, write.instructions);
    if (write.insights !== null) work.insights.write(agent.id, write.insights);
    work.events.add([
      makeEvent(this.#ctx, {
        projectId: agent.projectId,
        agentId: agent.id,
        actor: "user",
        kind: "evolution.rolled_back",
        targetType: "evolution_run",
        targetId: run.id,
        after: { commitId, candidates: none.candidates },
      }),
    ]);
    await work.commit();
    return { changed: true, commitId, candidates: none.candidates };
  }

  /** Training data for fine-tuning from what the agent learned (see docs/evolution.md). */
  async distill(agentId: string, options: DistillOptions): Promise<DistillResult> {
    const agent = await requireAgent(this.#ctx, agentId);
    return distill(this.#ctx, this.#access, agent, options);
  }

  #event(agent: Agent, run: EvolutionRun, kind: EventKind, after: unknown) {
    return makeEvent(this.#ctx, {
      projectId: agent.projectId,
      agentId: agent.id,
      actor: "evolver",
      kind,
      targetType: "evolution_run",
      targetId: run.id,
      after,
    });
  }
}

/**
 * The components that differ between two contexts: instructions, each block by label, and the insight
 * rules as a set (their order follows their counts, which agreeing changes).
 */
function changedComponents(a: LearnedContext, b: LearnedContext): string[] {
  return [
    ...diffContexts(a, b)
      .map((c) => c.component)
      .filter((c) => c !== "insights"),
    ...(sameRules(a.insights, b.insights) ? [] : ["insights"]),
  ];
}

function readTasks(tasks: unknown, checkers: CheckerRegistry, source: string | undefined): Task[] {
  if (typeof tasks === "string") return parseTaskJsonl(tasks, checkers, source ?? "the task set");
  if (!Array.isArray(tasks))
    throw new InvalidInputError("invalid evolution settings: tasks: required (a list, or JSON Lines text)");
  return parseTasks(tasks, checkers);
}

function modelName(spec: unknown, model: LanguageModel): string {
  if (typeof spec === "string" && spec !== "") return spec;
  return typeof model === "string" ? model : `${model.provider}:${model.modelId}`;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
