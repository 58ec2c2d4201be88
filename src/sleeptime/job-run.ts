import type { LanguageModel } from "ai";
import { withRetries } from "../agent/retry.ts";
import type { EngramError } from "../core/errors.ts";
import type { GraphRecord } from "../core/graph-types.ts";
import type { Agent, Job, JsonObject } from "../core/types.ts";
import type { InsightService } from "../insights/insight-service.ts";
import type { BlockService } from "../memory/blocks/block-service.ts";
import type { EngineContext } from "../memory/context.ts";
import { modelForAgent, modelNameForAgent } from "../models/language-model.ts";
import { ChangeSet } from "./change-set.ts";
import { permanent } from "./job-attempt.ts";
import type { SleeptimeOptions } from "./options.ts";

/** The services a job may compute changes with (they prepare; only the runner writes). */
export interface JobServices {
  insights: InsightService;
  blocks: BlockService;
  /** Runs a claimed `deliver` job (a message between agents): the agent runtime's, not a sleep-time job. */
  deliver(job: Job): Promise<Job>;
}

/** What a job's code sees while it runs: the agent, its settings, a model, and the changes so far. */
export class JobRun {
  readonly ctx: EngineContext;
  readonly agent: Agent;
  readonly job: Job;
  readonly options: SleeptimeOptions;
  /** Run even when a gate (reflection's importance threshold) would skip the work. */
  readonly force: boolean;
  /** For a decision job: the first fact it was enqueued for (see runner's payload). */
  readonly fromMemory: string | undefined;
  readonly services: JobServices;
  readonly changes: ChangeSet;
  readonly warnings: string[] = [];
  /** What the job learned about entities, recorded in the graph with its changes (an extraction). */
  readonly graphRecords: GraphRecord[] = [];
  /** Figures for the report (memories scanned, pairs judged …). */
  readonly stats: Record<string, number> = {};
  /** Further result fields (e.g. a watermark the next job of the kind starts from). */
  readonly extra: JsonObject = {};
  readonly #notes: string[] = [];
  readonly #renew: () => Promise<void>;
  #model: { model: LanguageModel } | { error: EngramError } | undefined;

  constructor(init: {
    ctx: EngineContext;
    agent: Agent;
    job: Job;
    options: SleeptimeOptions;
    force: boolean;
    fromMemory?: string | undefined;
    services: JobServices;
    renew: () => Promise<void>;
  }) {
    this.ctx = init.ctx;
    this.agent = init.agent;
    this.job = init.job;
    this.options = init.options;
    this.force = init.force;
    this.fromMemory = init.fromMemory;
    this.services = init.services;
    this.#renew = init.renew;
    this.changes = new ChangeSet(init.ctx, init.agent, init.job.id);
  }

  /** The agent's language model. @throws (permanently) with set-up help when there is none. */
  model(): LanguageModel {
    if (this.#model === undefined) {
      try {
        this.#model = { model: withRetries(modelForAgent(this.ctx, this.agent), this.options.retry) };
      } catch (error) {
        this.#model = { error: permanent(error) };
      }
    }
    if ("error" in this.#model) throw this.#model.error;
    return this.#model.model;
  }

  /** The agent's model as `provider:model`, as model errors name it. */
  modelName(): string {
    return modelNameForAgent(this.ctx, this.agent) ?? "model";
  }

  /** Whether a language model is configured for the agent. */
  hasModel(): boolean {
    try {
      this.model();
      return true;
    } catch {
      return false;
    }
  }

  /** Extends the runner's lease before long work, so no other runner takes the job over. */
  keepAlive(): Promise<void> {
    return this.#renew();
  }

  /**
   * What bounds one model call: the job's lease (`queue.leaseMs`, renewed by `keepAlive` just before).
   * A call that outlasts it is given up, failing the attempt (retried): past its lease the attempt may
   * be taken over, and a model that never answers would otherwise hold up the runner for good.
   */
  modelSignal(): AbortSignal {
    return AbortSignal.timeout(this.options.queue.leaseMs);
  }

  /** A line of the job's summary. */
  note(line: string): void {
    this.#notes.push(line);
  }

  summary(): string {
    if (this.#notes.length > 0) return this.#notes.join("; ");
    return this.changes.empty ? "nothing to change" : `${this.changes.report.length} changes`;
  }

  result(): JsonObject {
    return {
      summary: this.summary(),
      changes: this.changes.report,
      warnings: this.warnings,
      stats: this.stats,
      ...this.extra,
    };
  }
}
