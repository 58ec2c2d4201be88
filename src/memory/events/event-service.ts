import { InvalidInputError } from "../../core/errors.ts";
import { ACTORS, type Actor, type EngramEvent, type Page } from "../../core/types.ts";
import { type EngineContext, requireAgent } from "../context.ts";
import { checkCursor, isSeqCursor, PAGE_DEFAULT, PAGE_MAX } from "../pagination.ts";
import type { ProjectService } from "../projects/project-service.ts";
import { DEFAULT_FOLLOW_POLL_MS, followEvents } from "./event-follow.ts";
import { checkKindPatterns, kindMatcher, parseKindPattern } from "./event-kinds.ts";

export interface EventListOptions {
  agentId?: string | undefined;
  project?: string | undefined;
  /** Only events of this kind (`memory.created`), of a family (`memory.*`), or of any kind (`*`). */
  kind?: string | undefined;
  /** Only events caused by this actor (`user`, `agent`, `sleeptime`, `evolver`, `system`). */
  actor?: Actor | undefined;
  /** The `nextCursor` of the previous page (an event sequence number). */
  cursor?: string | undefined;
  limit?: number | undefined;
  /** The latest events first, paging back through the log (default: the first written first). */
  newestFirst?: boolean | undefined;
}

export interface EventFollowOptions {
  /** Only this agent's events. */
  agentId?: string | undefined;
  /** Only this project's events (a project-scoped engine sees only its own anyway). */
  project?: string | undefined;
  /** Only these kinds: exact (`memory.created`), a family (`memory.*`) or `*`. */
  kinds?: readonly string[] | undefined;
  /**
   * Start after this event `seq` (the last one seen, e.g. an SSE `Last-Event-ID`); 0 replays the whole
   * log. Default: the log's end, so only events written from now on.
   */
  after?: number | undefined;
  /** Stops the stream when aborted. */
  signal?: AbortSignal | undefined;
  /** How often to look for events written by other processes (default 1000 ms). */
  pollMs?: number | undefined;
}

/** Reads the append-only event log, oldest first. */
export class EventService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /**
   * The events of the log as they are written: each one after `after`, in order, for as long as the
   * caller iterates and the signal holds. A follower that resumes after the last `seq` it saw misses
   * nothing. Checks the options (and that the agent is visible) before the first event.
   *
   * @example
   * for await (const event of engram.events.follow({ kinds: ["memory.*"], signal })) console.log(event.kind);
   */
  async follow(options: EventFollowOptions = {}): Promise<AsyncIterable<EngramEvent>> {
    checkKindPatterns(options.kinds, "event follow: kinds");
    const matches = kindMatcher(options.kinds);
    const after = options.after;
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0))
      throw new InvalidInputError("invalid event follow: after: must be an event seq (an integer ≥ 0)");
    const pollMs = options.pollMs ?? DEFAULT_FOLLOW_POLL_MS;
    if (!Number.isFinite(pollMs) || pollMs < 10)
      throw new InvalidInputError("invalid event follow: pollMs: must be at least 10");
    let projectId = this.#ctx.projectId;
    const agentId =
      options.agentId === undefined ? undefined : (await requireAgent(this.#ctx, options.agentId)).id;
    if (options.project !== undefined) projectId = (await this.#projects.get(options.project)).id;
    const afterSeq = after ?? (await this.#ctx.store.events.lastSeq());
    return followEvents(this.#ctx.store, {
      projectId,
      agentId,
      kinds: options.kinds,
      matches,
      afterSeq,
      signal: options.signal,
      pollMs,
    });
  }

  async list(options: EventListOptions = {}): Promise<Page<EngramEvent>> {
    const limit = options.limit ?? PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
      throw new InvalidInputError(`invalid page: limit: must be an integer from 1 to ${PAGE_MAX}`);
    }
    checkCursor(options.cursor, isSeqCursor);
    const kind = options.kind === undefined ? undefined : parseKindPattern(options.kind, "event list: kind");
    const at = options.cursor === undefined ? undefined : Number(options.cursor);
    const newestFirst = options.newestFirst === true;
    if (options.actor !== undefined && !(ACTORS as readonly string[]).includes(options.actor))
      throw new InvalidInputError(`invalid event list: actor: must be one of ${ACTORS.join(", ")}`);
    let agentId: string | undefined;
    let projectId = this.#ctx.projectId;
    if (options.agentId !== undefined) agentId = (await requireAgent(this.#ctx, options.agentId)).id;
    if (options.project !== undefined) projectId = (await this.#projects.get(options.project)).id;
    const rows = await this.#ctx.store.events.list({
      agentId,
      projectId,
      kind: kind !== undefined && "kind" in kind ? kind.kind : undefined,
      kindFamily: kind !== undefined && "family" in kind ? kind.family : undefined,
      actor: options.actor,
      // The cursor is the last event sent: the page goes on past it, up the log or down.
      afterSeq: newestFirst ? 0 : (at ?? 0),
      beforeSeq: newestFirst ? at : undefined,
      newestFirst,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null };
  }
}
