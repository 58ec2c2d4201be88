import type { LanguageModel } from "ai";
import { ConflictError, EngramError } from "../core/errors.ts";
import type { AttemptRecord, EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import { type EngineContext, makeEvent, nowIso } from "../memory/context.ts";
import type { EventKind } from "../memory/events/event-kinds.ts";
import type { CheckerRegistry } from "./checkers.ts";
import { Evaluator, meanScore, scoresOf } from "./evaluation.ts";
import { type AgentAccess, loadContext, passesGate, prepareContext } from "./gate.ts";
import { gateReason, signed } from "./gate-text.ts";
import { diffContexts, type LearnedContext } from "./learned-context.ts";
import { type GateDecision, pairedGate } from "./paired-gate.ts";
import { type PoolMember, paretoFront, replayPool, selectParent } from "./pareto.ts";
import { planRound } from "./proposal.ts";
import type { Trace } from "./reflection.ts";
import { buildReport } from "./report.ts";
import { type GateConfig, type RunConfig, recordedGate } from "./run-config.ts";
import { type ContextWrite, saveRun } from "./save-run.ts";
import { deriveSeed, randomFor, sample } from "./seeds.ts";
import { generateTasks } from "./task-generation.ts";
import type { TaskRunner } from "./task-runner.ts";
import { type Splits, splitTasks, type Task } from "./task-set.ts";

/** What drives a run: the engine, the agent's services, the checkers and the models. */
export interface LoopDeps {
  ctx: EngineContext;
  access: AgentAccess;
  checkers: CheckerRegistry;
  /** The model that reflects (and writes tasks for an objective). */
  model: LanguageModel;
  runner: TaskRunner;
  /** Told of progress: `done` of `total` in a phase (`baseline`, `rounds`). */
  onProgress?: ((done: number, total: number, phase: string) => void) | undefined;
}

/**
 * The evolution loop over one recorded run, from wherever its records say it stands to the end:
 * each round selects a parent from the Pareto front, acquires traces on a training minibatch,
 * proposes a child (reflection, exemplars or merge), keeps it only if it gains on the minibatch,
 * scores it on the validation and held-out sets, and lets the gate accept (commit) or reject it.
 * Every step is recorded before the next one starts, so a crash loses at most the round in hand.
 */
export class EvolutionLoop {
  readonly #deps: LoopDeps;
  readonly #config: RunConfig;
  readonly #candidates: EvolutionCandidate[];
  readonly #evaluator: Evaluator;
  readonly #gate: GateConfig;
  #run: EvolutionRun;
  /** The evaluator's rollouts when the round in hand started. */
  #roundStart = 0;
  #splits: Splits;
  #projectId = "";

  constructor(deps: LoopDeps, run: EvolutionRun, candidates: EvolutionCandidate[]) {
    this.#deps = deps;
    this.#run = run;
    this.#config = run.config as unknown as RunConfig;
    this.#candidates = [...candidates];
    this.#gate = recordedGate(this.#config);
    this.#evaluator = new Evaluator(
      deps.runner,
      deps.checkers,
      run.seed,
      this.#config.concurrency,
      this.#gate.kind === "sequential",
    );
    this.#splits = splitTasks(this.#config.tasks, run.seed, this.#config);
    for (const c of candidates) {
      const evaluation = c.evaluation as { [k: string]: AttemptRecord[] | undefined };
      for (const key of ["minibatch", "validation", "heldOut"])
        this.#evaluator.prime(c.context, evaluation[key] ?? []);
      this.#evaluator.prime(parentContext(candidates, c), evaluation.parentMinibatch ?? []);
      const samples = c.evaluation.gateSamples as GateSamples | undefined;
      if (samples !== undefined) {
        this.#evaluator.prime(c.context, samples.child);
        const against = candidates.find((x) => x.id === samples.against);
        if (against !== undefined) this.#evaluator.prime(against.context, samples.current);
      }
    }
    this.#evaluator.rollouts = (run.state.rollouts as number | undefined) ?? 0;
  }

  /** Runs to the end. A failure is recorded on the run (status `failed`, or `stopped` on a conflict). */
  async drive(): Promise<EvolutionRun> {
    this.#projectId = (await this.#deps.access.agents.get(this.#run.agentId)).projectId;
    try {
      await this.#recover();
      if (this.#seed() === undefined) await this.#start();
      const total = this.#config.rounds;
      while (this.#run.round < total && !this.#budgetSpent()) {
        this.#deps.onProgress?.(this.#run.round, total, "rounds");
        await this.#round(this.#run.round + 1);
      }
      this.#deps.onProgress?.(this.#run.round, this.#run.round, "rounds");
      const finished = { ...this.#run, status: "finished" as const, finishedAt: nowIso(this.#deps.ctx) };
      const report = buildReport(finished, this.#candidates) as unknown as Record<string, unknown>;
      await this.#save(
        { status: "finished", finishedAt: finished.finishedAt, report },
        null,
        "evolution.finished",
        summary(report),
      );
      return this.#run;
    } catch (error) {
      await this.#fail(error);
      throw error;
    }
  }

  /** Finishes what a crash interrupted: an accepted candidate half applied, a round half done. */
  async #recover(): Promise<void> {
    const reason = "its round was interrupted and redone";
    for (const c of this.#candidates.filter((x) => x.decision === "pending"))
      await this.#save({}, { ...c, decision: "abandoned", reason, decidedAt: nowIso(this.#deps.ctx) });
    const applying = this.#candidates.find((c) => c.decision === "applying");
    if (applying !== undefined) await this.#apply(applying);
  }

  /** Round 0: the agent's context as found becomes the seed candidate and the gate's first baseline. */
  async #start(): Promise<void> {
    const agent = await this.#deps.access.agents.get(this.#run.agentId);
    const { context, head } = await loadContext(this.#deps.access, agent, this.#run.branch);
    const seed = this.#candidate(0, "seed", null, [], context);
    await this.#save({}, seed);
    const evaluations = this.#splits.validation.length + this.#splits.test.length;
    let done = 0;
    this.#evaluator.onAttempt = () => this.#deps.onProgress?.(++done, evaluations, "baseline");
    const validation = await this.#evaluator.evaluate(this.#splits.validation, context);
    const heldOut = await this.#evaluator.evaluate(this.#splits.test, context);
    this.#evaluator.onAttempt = undefined;
    let generated: Task[] = [];
    let dropped: unknown[] = [];
    const objective = this.#config.objective;
    if (objective !== null) {
      const result = await generateTasks(
        this.#deps.model,
        this.#deps.runner,
        context,
        objective,
        this.#splits.train,
        this.#run.seed,
      );
      generated = result.tasks;
      dropped = result.dropped;
    }
    const state = {
      ...this.#run.state,
      dropped,
      current: seed.id,
      head,
      generated,
      splits: {
        train: this.#splits.train.map((t) => t.id),
        validation: this.#splits.validation.map((t) => t.id),
        test: this.#splits.test.map((t) => t.id),
      },
    };
    await this.#save(
      { state },
      this.#decide(
        { ...seed, evaluation: { validation, heldOut } },
        "accepted",
        "the agent's context when the run started",
        {
          aggregate: meanScore(validation),
          heldOut: meanScore(heldOut),
        },
      ),
    );
  }

  /** Whether the run made as many task attempts as it may. */
  #budgetSpent(): boolean {
    return this.#remaining() <= 0;
  }

  /** Task attempts the run may still make (unbounded without `maxRollouts`). */
  #remaining(): number {
    const max = this.#config.maxRollouts;
    return max === undefined || max === null ? Number.POSITIVE_INFINITY : max - this.#evaluator.rollouts;
  }

  async #round(round: number): Promise<void> {
    this.#roundStart = this.#evaluator.rollouts;
    const random = randomFor(this.#run.seed, "round", round);
    const validationIds = this.#splits.validation.map((t) => t.id);
    const pool = this.#pool();
    const parent = this.#byId(selectParent(pool, validationIds, random).id);
    const training = [...this.#splits.train, ...((this.#run.state.generated as Task[] | undefined) ?? [])];
    const minibatch = sample(training, this.#config.minibatch, random);
    const parentAttempts = await this.#evaluator.evaluate(minibatch, parent.context);
    const traces: Trace[] = minibatch.map((task, i) => ({
      task,
      attempt: parentAttempts[i] as AttemptRecord,
    }));

    const front = paretoFront(pool, validationIds).map((f) => this.#byId(f.member.id));
    const { operation, component, parentIds, proposal } = await planRound({
      round,
      config: this.#config,
      model: this.#deps.model,
      reflectionSeed: deriveSeed(this.#run.seed, "reflect", round),
      parent,
      traces,
      front,
      seedContext: this.#seedContext(),
      random,
    });
    const child = this.#candidate(round, operation, component, parentIds, proposal.context ?? parent.context);
    child.evaluation = { minibatchTasks: minibatch.map((t) => t.id), parentMinibatch: parentAttempts };
    if (proposal.context === null) return this.#reject(child, proposal.reason, round);
    await this.#save({}, child);

    const childAttempts = await this.#evaluator.evaluate(minibatch, child.context);
    child.evaluation = { ...child.evaluation, minibatch: childAttempts };
    const before = sum(parentAttempts);
    const after = sum(childAttempts);
    const gains = operation === "merge" ? after >= before : after > before;
    if (!gains)
      return this.#reject(
        child,
        `no gain on the training minibatch (${before} → ${after} of ${minibatch.length})`,
        round,
      );

    const current = this.#byId(this.#run.state.current as string);
    if (this.#gate.kind === "sequential") {
      const gate = await pairedGate({
        evaluator: this.#evaluator,
        tasks: this.#splits.test,
        child: child.context,
        current: current.context,
        random: randomFor(this.#run.seed, "gate", round),
        // Within the run's budget too: a decision may not spend what the run has left.
        settings: { ...this.#gate, budget: Math.min(this.#gate.budget, this.#remaining()) },
      });
      const gateSamples: GateSamples = { against: current.id, child: gate.child, current: gate.current };
      child.evaluation = {
        ...child.evaluation,
        gate: gate.decision,
        gateSamples,
      } as unknown as EvolutionCandidate["evaluation"];
      child.heldOut = gate.decision.child;
      child.baseline = gate.decision.current;
      if (!gate.decision.accepted) return this.#reject(child, gateReason(gate.decision), round);
      // Only an accepted child joins the pool, so only it needs its validation scores.
      const validation = await this.#evaluator.evaluate(this.#splits.validation, child.context);
      child.evaluation = { ...child.evaluation, validation };
      child.aggregate = meanScore(validation);
      const applying = { ...child, decision: "applying" as const };
      await this.#save({}, applying);
      return this.#apply(applying);
    }
    const validation = await this.#evaluator.evaluate(this.#splits.validation, child.context);
    const heldOut = await this.#evaluator.evaluate(this.#splits.test, child.context);
    child.evaluation = { ...child.evaluation, validation, heldOut };
    child.aggregate = meanScore(validation);
    child.heldOut = meanScore(heldOut);
    child.baseline = current.heldOut;
    const baseline = current.heldOut ?? 0;
    if (!passesGate(child.heldOut, baseline, this.#config.tolerance)) {
      const reason = `the held-out score would fall from ${baseline} to ${child.heldOut} (tolerance ${this.#config.tolerance})`;
      return this.#reject(child, reason, round);
    }
    const applying = { ...child, decision: "applying" as const };
    await this.#save({}, applying);
    await this.#apply(applying);
  }

  /** Writes an accepted candidate to the agent and records it; on a conflict the run stops. */
  async #apply(candidate: EvolutionCandidate): Promise<void> {
    const current = this.#byId(this.#run.state.current as string);
    const gate = candidate.evaluation.gate as GateDecision | undefined;
    const heldOut =
      gate === undefined
        ? `held-out ${candidate.baseline} → ${candidate.heldOut}`
        : `held-out gain ${signed(gate.estimate)} (interval ${gate.interval[0]} to ${gate.interval[1]}, ${gate.draws} draws)`;
    const message = `evolve ${this.#run.id} ${candidate.id}: ${heldOut}, validation ${current.aggregate} → ${candidate.aggregate}`;
    try {
      const prepared = await prepareContext(
        this.#deps.access,
        this.#run.agentId,
        this.#run.branch,
        { head: this.#run.state.head as string, context: current.context },
        candidate.context,
        { message, marker: candidate.id },
      );
      const accepted = {
        ...this.#decide(
          candidate,
          "accepted",
          gate === undefined
            ? `the held-out score went from ${candidate.baseline} to ${candidate.heldOut} (tolerance ${this.#config.tolerance})`
            : gateReason(gate),
        ),
        commitId: prepared.commitId,
      };
      const state = { ...this.#run.state, current: candidate.id, head: prepared.head };
      // The agent changes in the same transaction that records the candidate as accepted.
      await this.#save(
        { state, round: candidate.round },
        accepted,
        "evolution.accepted",
        {
          candidate: accepted.id,
          commit: prepared.commitId,
          heldOut: accepted.heldOut,
          baseline: accepted.baseline,
        },
        prepared.write,
      );
    } catch (error) {
      if (!(error instanceof ConflictError) || error.details?.fenced === true) throw error;
      await this.#save(
        { status: "stopped", error: error.message, round: candidate.round },
        this.#decide(candidate, "rejected", `conflict: ${error.message}`),
        "evolution.stopped",
        { error: error.message },
      );
      throw error;
    }
  }

  async #reject(candidate: EvolutionCandidate, reason: string, round: number): Promise<void> {
    await this.#save({ round }, this.#decide(candidate, "rejected", reason), "evolution.rejected", {
      candidate: candidate.id,
      reason,
    });
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#run.status === "stopped") return;
    if (error instanceof ConflictError && error.details?.fenced === true) return;
    const message = error instanceof Error ? error.message : String(error);
    await this.#save({ status: "failed", error: message }, null, "evolution.failed", {
      error: message,
    }).catch(() => {});
  }

  /**
   * Records changes to the run (and a candidate) in one transaction, fenced by the run's attempt;
   * the loop's view of the run moves only once they are stored.
   */
  async #save(
    changes: Partial<EvolutionRun>,
    candidate: EvolutionCandidate | null,
    kind?: EventKind,
    after?: unknown,
    context: ContextWrite | null = null,
  ): Promise<void> {
    const { ctx } = this.#deps;
    const next: EvolutionRun = { ...this.#run, ...changes, updatedAt: nowIso(ctx) };
    next.state = { ...next.state, rollouts: this.#evaluator.rollouts };
    const events =
      kind === undefined
        ? []
        : [
            makeEvent(ctx, {
              projectId: this.#projectId,
              agentId: next.agentId,
              actor: "evolver",
              kind,
              targetType: "evolution_run",
              targetId: next.id,
              after,
            }),
          ];
    await saveRun(ctx.store, { run: next, expectedAttempt: next.attempt, candidate, events, context });
    this.#run = next;
    if (candidate !== null) {
      const at = this.#candidates.findIndex((c) => c.id === candidate.id);
      if (at >= 0) this.#candidates[at] = candidate;
      else this.#candidates.push(candidate);
    }
  }

  #candidate(
    round: number,
    operation: string,
    component: string | null,
    parentIds: string[],
    context: LearnedContext,
  ): EvolutionCandidate {
    const parent = parentIds[0] === undefined ? null : this.#byId(parentIds[0]);
    return {
      id: this.#deps.ctx.generateId("candidate"),
      runId: this.#run.id,
      agentId: this.#run.agentId,
      round,
      parentIds,
      operation,
      component,
      context,
      changes: parent === null ? [] : diffContexts(parent.context, context),
      evaluation: {},
      aggregate: null,
      heldOut: null,
      baseline: null,
      decision: "pending",
      reason: null,
      commitId: null,
      createdAt: nowIso(this.#deps.ctx),
      decidedAt: null,
    };
  }

  #decide(
    candidate: EvolutionCandidate,
    decision: "accepted" | "rejected",
    reason: string,
    scores: Partial<EvolutionCandidate> = {},
  ): EvolutionCandidate {
    const decided = { ...candidate, ...scores, decision, reason, decidedAt: nowIso(this.#deps.ctx) };
    if (candidate.round === 0 || candidate.evaluation.rollouts !== undefined) return decided;
    // What the round cost, and the run's total when it was decided (for curves against rollouts).
    const rollouts = {
      candidate: this.#evaluator.rollouts - this.#roundStart,
      run: this.#evaluator.rollouts,
    };
    return { ...decided, evaluation: { ...decided.evaluation, rollouts } };
  }

  /** The pool, rebuilt from the accepted candidates in order (so a resume rebuilds it exactly). */
  #pool(): PoolMember[] {
    const accepted = this.#candidates
      .filter((c) => c.decision === "accepted")
      .map((c) => ({
        id: c.id,
        scores: scoresOf((c.evaluation.validation as AttemptRecord[] | undefined) ?? []),
        aggregate: c.aggregate ?? 0,
      }));
    return replayPool(
      accepted,
      this.#splits.validation.map((t) => t.id),
      this.#config.poolSize,
    );
  }

  #seed(): EvolutionCandidate | undefined {
    return this.#candidates.find((c) => c.round === 0 && c.decision === "accepted");
  }

  #seedContext(): LearnedContext {
    const seed = this.#seed();
    if (seed === undefined) throw new EngramError("internal", "the run has no seed candidate");
    return seed.context;
  }

  #byId(id: string): EvolutionCandidate {
    const found = this.#candidates.find((c) => c.id === id);
    if (found === undefined)
      throw new EngramError("internal", `candidate ${id} is not in run ${this.#run.id}`);
    return found;
  }
}

/** The sequential gate's draws, recorded so a resumed run reuses them. */
interface GateSamples {
  /** The candidate the child was gated against. */
  against: string;
  child: (AttemptRecord & { sample: number })[];
  current: (AttemptRecord & { sample: number })[];
}

function parentContext(candidates: readonly EvolutionCandidate[], c: EvolutionCandidate): LearnedContext {
  return candidates.find((p) => p.id === c.parentIds[0])?.context ?? c.context;
}

const sum = (attempts: readonly AttemptRecord[]) =>
  Math.round(attempts.reduce((total, a) => total + a.score, 0) * 1e6) / 1e6;

function summary(report: Record<string, unknown>): unknown {
  return {
    baseline: report.baseline,
    final: report.final,
    accepted: report.accepted,
    rejected: report.rejected,
  };
}
