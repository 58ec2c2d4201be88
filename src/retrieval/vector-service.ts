import { EngramError, InvalidInputError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import { type EngineContext, requireAgent } from "../memory/context.ts";
import { searchableText } from "../memory/messages/message-service.ts";
import type { VectorIndexReport, VectorSpace } from "../store/store.ts";

const SPACES: readonly VectorSpace[] = ["memories", "messages"];

export interface ReindexOptions {
  /** Only this agent (id); by default every agent (of the project, in a project view). */
  agentId?: string | undefined;
  /**
   * Drop every stored vector first, and re-embed everything with the configured model: for a change
   * of embedding model or dimension. It covers the whole database, so it takes no `agentId`.
   */
  rebuild?: boolean | undefined;
  /**
   * Bring each agent's vector index up to date afterwards, where the backend builds it in steps
   * (a rebuild always does).
   */
  train?: boolean | undefined;
  /**
   * Embed at most this many items in this call, over all agents and both spaces; `complete` in the
   * result says whether anything is left (call again to carry on). No limit by default.
   */
  limit?: number | undefined;
  /** Told after each batch is embedded, and when an agent is done. */
  onProgress?: ((progress: ReindexProgress) => void) | undefined;
}

export interface ReindexProgress {
  agentId: string;
  space: VectorSpace;
  /** Items of this agent and space embedded so far. */
  embedded: number;
}

export interface ReindexResult {
  model: string;
  rebuilt: boolean;
  /** False when `limit` stopped it before every item had a vector. */
  complete: boolean;
  /** Items embedded, over all agents. */
  embedded: Record<VectorSpace, number>;
  agents: {
    agentId: string;
    embedded: Record<VectorSpace, number>;
    /** How the agent's vectors are indexed afterwards, as the backend reports it. */
    index: Record<VectorSpace, VectorIndexReport>;
  }[];
}

export interface VectorStatus {
  /** Whether the store can keep vectors (the sqlite-vec extension loaded). */
  available: boolean;
  /** The embedding model configured now, or null (lexical search only). */
  model: string | null;
  /** The model the stored vectors were made by, or null before any were stored. */
  storedModel: string | null;
  dimensions: number | null;
}

/**
 * Maintenance of the vectors behind hybrid search: embedding the items that have none (after the
 * embedding model failed during a write, or after an import), re-embedding everything for a new
 * model, and bringing the vector index of each agent up to date where the backend builds it in steps.
 *
 * @example
 * const engram = createEngram({ path: "./agents.db", embedder: "openai:text-embedding-3-small" });
 * await engram.vectors.reindex({ rebuild: true }); // after switching from another model
 */
export class VectorService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async status(): Promise<VectorStatus> {
    await this.#ctx.store.ready();
    const vectors = this.#ctx.store.vectors;
    return {
      available: vectors !== null,
      model: this.#ctx.vectors.model,
      storedModel: vectors === null ? null : await this.#ctx.vectors.storedModel(),
      dimensions: vectors === null ? null : await vectors.dimensions(),
    };
  }

  /**
   * Embeds every item without a vector, agent by agent, memories then messages, in batches; with
   * `rebuild`, first drops all vectors so that everything is embedded afresh. An embedding failure
   * stops it with the error; what was embedded stays, and running it again carries on from there.
   */
  async reindex(options: ReindexOptions = {}): Promise<ReindexResult> {
    // The agent first: one this engine cannot see is not found, whatever else is wrong.
    const agents =
      options.agentId === undefined ? await this.#agents() : [await requireAgent(this.#ctx, options.agentId)];
    const model = this.#ctx.vectors.model;
    if (model === null)
      throw new InvalidInputError(
        "no embedding model is configured: set ENGRAM_EMBEDDING_MODEL (e.g. openai:text-embedding-3-small) or pass `embedder` to createEngram",
      );
    // A store opening in the background knows whether it has vectors once it is open.
    await this.#ctx.store.ready();
    const vectors = this.#ctx.store.vectors;
    if (vectors === null)
      throw new EngramError(
        "unavailable",
        "this database cannot store vectors: its vector extension (sqlite-vec, or pgvector on PostgreSQL) did not load (see engram's start-up warnings)",
      );
    const rebuild = options.rebuild === true;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit >= 1)))
      throw new InvalidInputError(`invalid reindex: limit: must be a positive integer, got ${options.limit}`);
    if (rebuild && options.agentId !== undefined)
      throw new InvalidInputError("rebuild re-embeds every agent's items: leave out agentId");
    if (rebuild && this.#ctx.projectId !== undefined)
      throw new InvalidInputError(
        "rebuild drops the vectors of every project's agents: run it on the whole database, not a project",
      );
    if (rebuild) await this.#ctx.vectors.reset();
    // Checks the model against what is stored (and after a rebuild, records it) before any work.
    await this.#ctx.vectors.ready();

    const total: Record<VectorSpace, number> = { memories: 0, messages: 0 };
    const result: ReindexResult = { model, rebuilt: rebuild, complete: true, embedded: total, agents: [] };
    let left = limit;
    for (const agent of agents) {
      if (left <= 0) break;
      const embedded: Record<VectorSpace, number> = { memories: 0, messages: 0 };
      for (const space of SPACES) {
        embedded[space] = await this.#ctx.vectors.backfill(
          space,
          agent.id,
          (ids) => this.#texts(space, agent.id, ids),
          (done) => options.onProgress?.({ agentId: agent.id, space, embedded: done }),
          left,
        );
        total[space] += embedded[space];
        left -= embedded[space];
        if (rebuild || options.train === true) await vectors.optimise(space, agent.id);
      }
      const [memories, messages] = await Promise.all(SPACES.map((s) => vectors.describeIndex(s, agent.id)));
      result.agents.push({
        agentId: agent.id,
        embedded,
        index: { memories: memories as VectorIndexReport, messages: messages as VectorIndexReport },
      });
    }
    // Without a limit every item was embedded (or it threw); with one, look for any left.
    if (left <= 0) result.complete = !(await this.#anyMissing(agents));
    return result;
  }

  async #anyMissing(agents: readonly Agent[]): Promise<boolean> {
    const vectors = this.#ctx.store.vectors;
    for (const agent of agents)
      for (const space of SPACES)
        if (((await vectors?.missing(space, agent.id, 1)) ?? []).length > 0) return true;
    return false;
  }

  /** Every agent this engine sees (one project's in a project view), a page at a time. */
  async #agents(): Promise<Agent[]> {
    const out: Agent[] = [];
    for (;;) {
      const page = await this.#ctx.store.agents.list({
        projectId: this.#ctx.projectId,
        after: out.at(-1)?.id,
        limit: 500,
      });
      out.push(...page);
      if (page.length < 500) return out;
    }
  }

  /** The text each item is embedded by, as at write time. */
  async #texts(space: VectorSpace, agentId: string, ids: string[]): Promise<Map<string, string>> {
    if (space === "memories") {
      const memories = await this.#ctx.store.memories.getMany(agentId, ids);
      return new Map(memories.map((m) => [m.id, m.text]));
    }
    const out = new Map<string, string>();
    for (const id of ids) {
      const message = await this.#ctx.store.messages.get(agentId, id);
      if (message !== null) out.set(id, searchableText(message));
    }
    return out;
  }
}
