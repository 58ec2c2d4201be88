import { ConflictError, NotFoundError } from "../core/errors.ts";
import { episodeFilterSchema, type FilterInput } from "../core/filter/filter-parse.ts";
import type { Agent, Episode, EpisodeStep, ExperienceRecord, Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { isEpisodeId } from "../feedback/feedback-schemas.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import type { EventKind } from "../memory/events/event-kinds.ts";
import { pageInput, pageOf } from "../memory/pagination.ts";
import { type Advice, advise } from "./advice.ts";
import { EmbeddingSimilarity } from "./embedding-similarity.ts";
import {
  bySimilarity,
  EXPERIENCE_DEFAULTS,
  type ExperienceOptions,
  ExperienceTable,
  HISTORY_KEPT,
} from "./experience-table.ts";
import { type SimilarRecord, similarObservations } from "./observation-index.ts";
import { noteOutcomes, plan } from "./planning.ts";
import { applyUpdates, dueRange } from "./q-learning.ts";
import {
  type AdviceInput,
  adviceInput,
  type EpisodeInput,
  episodeInput,
  finishEpisodeInput,
  type StepInput,
  startEpisodeInput,
  stepInput,
} from "./schemas.ts";
import { lexicalSimilarity } from "./similarity.ts";

/** What recording one step returns: the step as stored and where the episode stands. */
export interface RecordedStep {
  episodeId: string;
  step: EpisodeStep;
  stepCount: number;
  totalReward: number;
  status: Episode["status"];
}

/**
 * Episodes and the experience memory learned from them (Rememberer): every recorded step feeds the
 * n-step Q-learning of the records keyed by (task, observation), and `advise` turns the most similar
 * records into encouraged and discouraged actions.
 */
export class ExperienceService {
  readonly #ctx: EngineContext;
  readonly options: ExperienceOptions;

  /** Set when records are compared by embeddings (a model is configured and no similarity was given). */
  readonly #embeddings: EmbeddingSimilarity | null;

  constructor(ctx: EngineContext, options: Partial<ExperienceOptions> = {}) {
    this.#ctx = ctx;
    const useEmbeddings =
      ctx.vectors.model !== null &&
      options.taskSimilarity === undefined &&
      options.observationSimilarity === undefined;
    this.#embeddings = useEmbeddings ? new EmbeddingSimilarity(ctx.vectors) : null;
    const similarity = this.#embeddings?.similarity;
    this.options = {
      ...EXPERIENCE_DEFAULTS,
      ...options,
      ...(similarity === undefined ? {} : { taskSimilarity: similarity, observationSimilarity: similarity }),
    };
  }

  /** With embedding similarity, embeds the texts a table operation is about to compare. */
  async #prepare(texts: Iterable<string>): Promise<void> {
    await this.#embeddings?.prepare(texts);
  }

  /**
   * Records a whole episode at once and learns from all its steps. `episodeId` fixes the id, so that
   * recording the same episode twice fails on the store's key instead of learning twice.
   */
  async recordEpisode(
    agentId: string,
    input: EpisodeInput,
    options: { episodeId?: string } = {},
  ): Promise<Episode> {
    const parsed = parseInput(episodeInput, input, "episode");
    const agent = await requireAgent(this.#ctx, agentId);
    const now = nowIso(this.#ctx);
    const steps: EpisodeStep[] = parsed.steps.map((s, index) => ({ ...s, index, createdAt: now }));
    const episode: Episode = {
      id: options.episodeId ?? this.#ctx.generateId("episode"),
      agentId: agent.id,
      task: parsed.task,
      status: "finished",
      steps,
      finalObservation: parsed.finalObservation ?? null,
      totalReward: steps.reduce((sum, s) => sum + s.reward, 0),
      success: parsed.success ?? null,
      metadata: parsed.metadata,
      createdAt: now,
      finishedAt: now,
    };
    await this.#learn(agent, episode, steps, true, 0, "episode.recorded", parsed.truncated ?? false);
    await this.#ctx.onActivity?.(agent, "episodes");
    return episode;
  }

  /** Opens an episode to be recorded step by step. */
  async startEpisode(
    agentId: string,
    input: { task: string; metadata?: Record<string, unknown> },
  ): Promise<Episode> {
    const parsed = parseInput(startEpisodeInput, input, "episode");
    const agent = await requireAgent(this.#ctx, agentId);
    const now = nowIso(this.#ctx);
    const episode: Episode = {
      id: this.#ctx.generateId("episode"),
      agentId: agent.id,
      task: parsed.task,
      status: "running",
      steps: [],
      finalObservation: null,
      totalReward: 0,
      success: null,
      metadata: parsed.metadata,
      createdAt: now,
      finishedAt: null,
    };
    await this.#learn(agent, episode, [], true, 0, "episode.started");
    return episode;
  }

  /** Appends a step to a running episode; the Q-updates it makes due are applied with it. */
  async recordStep(agentId: string, episodeId: string, input: StepInput): Promise<RecordedStep> {
    const parsed = parseInput(stepInput, input, "step");
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#ctx.writeLock.run(`experience:${agent.id}`, async () => {
      // Only the last n steps take part in the updates a new step makes due.
      const episode = await this.#running(agent, episodeId, this.options.nStep);
      const step: EpisodeStep = { ...parsed, index: episode.steps.length, createdAt: nowIso(this.#ctx) };
      const before = episode.steps.length;
      episode.steps.push(step);
      episode.totalReward += step.reward;
      await this.#learnLocked(agent, episode, [step], false, before, "episode.step");
      return {
        episodeId: episode.id,
        step,
        stepCount: episode.steps.length,
        totalReward: episode.totalReward,
        status: episode.status,
      };
    });
  }

  /** Ends a running episode: its last steps get their truncated returns. */
  async finishEpisode(
    agentId: string,
    episodeId: string,
    input: { finalObservation?: string; success?: boolean; truncated?: boolean } = {},
  ): Promise<Episode> {
    const parsed = parseInput(finishEpisodeInput, input, "episode end");
    const agent = await requireAgent(this.#ctx, agentId);
    const finished = await this.#ctx.writeLock.run(`experience:${agent.id}`, async () => {
      const episode = await this.#running(agent, episodeId);
      episode.status = "finished";
      episode.finalObservation = parsed.finalObservation ?? null;
      episode.success = parsed.success ?? null;
      episode.finishedAt = nowIso(this.#ctx);
      await this.#learnLocked(
        agent,
        episode,
        [],
        false,
        episode.steps.length,
        "episode.finished",
        parsed.truncated ?? false,
      );
      return episode;
    });
    await this.#ctx.onActivity?.(agent, "episodes");
    return finished;
  }

  async getEpisode(agentId: string, episodeId: string): Promise<Episode> {
    const agent = await requireAgent(this.#ctx, agentId);
    const episode = await this.#ctx.store.episodes.get(agent.id, episodeId);
    if (episode === null) throw new NotFoundError(`episode ${episodeId} not found on agent ${agent.id}`);
    return episode;
  }

  /** Newest first, without their steps. */
  async listEpisodes(
    agentId: string,
    options: { task?: string; cursor?: string; limit?: number; filter?: FilterInput } = {},
  ): Promise<Page<Episode & { stepCount: number }>> {
    const filter =
      options.filter === undefined
        ? undefined
        : parseInput(episodeFilterSchema, options.filter, "episode list: filter");
    const agent = await requireAgent(this.#ctx, agentId);
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, isEpisodeId);
    const rows = await this.#ctx.store.episodes.list(agent.id, {
      task: options.task,
      filter,
      after: cursor,
      limit: limit + 1,
    });
    return pageOf(rows, limit, (e) => e.id);
  }

  /** The agent's experience records. */
  async records(agentId: string): Promise<ExperienceRecord[]> {
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#ctx.store.experience.all(agent.id);
  }

  /** Encouraged and discouraged actions from the k records most similar to (task, observation). */
  async advise(agentId: string, input: AdviceInput): Promise<Advice> {
    const parsed = parseInput(adviceInput, input, "advice request");
    const agent = await requireAgent(this.#ctx, agentId);
    const table = await this.#table(agent.id);
    await this.#prepare([parsed.task, parsed.observation]);
    return advise(table, parsed, parsed.exploration);
  }

  /**
   * The agent's records of `task` whose observation is at least `min` similar to `observation`, most
   * similar first (at most k). With the lexical similarity an inverted index answers without scoring
   * every record; with embeddings every record of the task is compared.
   */
  async similarObservations(
    agentId: string,
    query: { task: string; observation: string; k: number; min: number },
  ): Promise<SimilarRecord[]> {
    const agent = await requireAgent(this.#ctx, agentId);
    const table = await this.#table(agent.id);
    if (table.size === 0) return [];
    if (this.options.observationSimilarity === lexicalSimilarity)
      return similarObservations(table, query.task, query.observation, query.k, query.min);
    await this.#prepare([query.observation]);
    const similarity = this.options.observationSimilarity;
    return table
      .records()
      .filter((record) => record.task === query.task)
      .map((record) => ({ record, similarity: similarity(query.observation, record.observation) }))
      .filter((s) => s.similarity >= query.min)
      .sort(bySimilarity)
      .slice(0, query.k);
  }

  /** The agent's experience memory as a table, for policies that decide many times per second. */
  async table(agentId: string): Promise<ExperienceTable> {
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#table(agent.id);
  }

  async #running(agent: Agent, episodeId: string, lastSteps?: number): Promise<Episode> {
    const episode = await this.#ctx.store.episodes.get(
      agent.id,
      episodeId,
      lastSteps === undefined ? {} : { lastSteps },
    );
    if (episode === null) throw new NotFoundError(`episode ${episodeId} not found on agent ${agent.id}`);
    if (episode.status !== "running")
      throw new ConflictError(`episode ${episodeId} is over: start a new one`);
    return episode;
  }

  async #learn(
    agent: Agent,
    episode: Episode,
    newSteps: EpisodeStep[],
    create: boolean,
    before: number,
    kind: EventKind,
    truncated = false,
  ): Promise<void> {
    await this.#ctx.writeLock.run(`experience:${agent.id}`, () =>
      this.#learnLocked(agent, episode, newSteps, create, before, kind, truncated),
    );
  }

  async #learnLocked(
    agent: Agent,
    episode: Episode,
    newSteps: EpisodeStep[],
    create: boolean,
    before: number,
    kind: EventKind,
    truncated = false,
  ): Promise<void> {
    // Another process may write between our read and our write: then reload and learn again.
    for (let attempt = 0; ; attempt++) {
      const { table, version } = await this.#load(agent.id);
      const finished = episode.status === "finished";
      const [from, to] = dueRange(before, episode.steps.length, this.options.nStep, finished);
      // Only the steps due now and those they bootstrap from are compared: an episode recorded step
      // by step holds only its last steps here, in an array as long as the whole episode.
      const due = episode.steps.slice(from, to + this.options.nStep).filter(Boolean);
      await this.#prepare([episode.task, ...due.map((s) => s.observation)]);
      table.changes = { upserts: new Map(), deletes: new Set(), dropped: 0, evicted: [] };
      const updated = applyUpdates(table, episode.task, episode.steps, from, to, finished);
      noteOutcomes(table, episode.task, episode.steps, from, to, {
        finished,
        truncated,
        finalObservation: episode.finalObservation,
      });
      const planned =
        finished && this.options.planningPasses > 0
          ? plan(
              table,
              episode.task,
              episode.steps.map((s) => s.observation),
              this.options.planningPasses,
            )
          : 0;
      if (finished) {
        episode.steps.forEach((step, t) => {
          const record = table.find(episode.task, step.observation);
          if (record !== undefined) {
            // The actions that led here; a record keeps the last 20 of them.
            table.noteHistory(
              record,
              episode.steps.slice(Math.max(0, t - HISTORY_KEPT), t).map((s) => s.action),
              episode.totalReward,
            );
          }
        });
      }
      const { upserts, deletes, dropped, evicted } = table.changes;
      for (const record of upserts.values()) record.agentId = agent.id;
      try {
        const next = await this.#ctx.store.experience.write({
          agentId: agent.id,
          expectedVersion: version,
          episode: { episode, newSteps, create },
          upserts: [...upserts.values()],
          deletes: [...deletes],
          events: [
            makeEvent(this.#ctx, {
              projectId: agent.projectId,
              agentId: agent.id,
              actor: "agent",
              kind,
              targetType: "episode",
              targetId: episode.id,
              after: {
                task: episode.task,
                steps: episode.steps.length,
                newSteps: newSteps.map(({ action, reward }) => ({ action, reward })),
                status: episode.status,
                totalReward: episode.totalReward,
                success: episode.success,
                experience: {
                  updates: updated,
                  planned,
                  records: upserts.size,
                  evicted: evicted.map((r) => r.id),
                  dropped,
                },
              },
            }),
          ],
        });
        this.#cache.set(agent.id, { table, version: next });
        return;
      } catch (error) {
        // The in-memory table has the failed change applied: never reuse it.
        this.#cache.delete(agent.id);
        if (!(error instanceof ConflictError) || attempt >= 5) throw error;
      }
    }
  }

  readonly #cache = new Map<string, { table: ExperienceTable; version: number }>();

  /**
   * The agent's table, kept in memory while the store's version says nobody else wrote since; this
   * process's own writes (serialised per agent) keep it current and bump the version they expect.
   */
  async #table(agentId: string): Promise<ExperienceTable> {
    return (await this.#load(agentId)).table;
  }

  async #load(agentId: string): Promise<{ table: ExperienceTable; version: number }> {
    const version = await this.#ctx.store.experience.version(agentId);
    const cached = this.#cache.get(agentId);
    if (cached !== undefined && cached.version === version) return cached;
    const records = await this.#ctx.store.experience.all(agentId);
    await this.#prepare(records.flatMap((r) => [r.task, r.observation]));
    const table = new ExperienceTable(records, this.options, {
      newId: () => this.#ctx.generateId("experience"),
      now: () => nowIso(this.#ctx),
    });
    const loaded = { table, version };
    this.#cache.set(agentId, loaded);
    return loaded;
  }
}
