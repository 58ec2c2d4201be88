import { InvalidInputError } from "../../core/errors.ts";
import { ACTORS, type Actor, type EngramEvent, type Page } from "../../core/types.ts";
import { type EngineContext, requireAgent } from "../context.ts";
import { PAGE_DEFAULT, PAGE_MAX } from "../pagination.ts";
import type { ProjectService } from "../projects/project-service.ts";

export interface EventListOptions {
  agentId?: string | undefined;
  project?: string | undefined;
  kind?: string | undefined;
  /** Only events caused by this actor (`user`, `agent`, `sleeptime`, `evolver`, `system`). */
  actor?: Actor | undefined;
  /** The `nextCursor` of the previous page (an event sequence number). */
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** Reads the append-only event log, oldest first. */
export class EventService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  async list(options: EventListOptions = {}): Promise<Page<EngramEvent>> {
    const limit = options.limit ?? PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
      throw new InvalidInputError(`invalid page: limit: must be an integer from 1 to ${PAGE_MAX}`);
    }
    let afterSeq = 0;
    if (options.cursor !== undefined) {
      if (!/^\d{1,15}$/.test(options.cursor))
        throw new InvalidInputError("invalid page: cursor: not a cursor from this list");
      afterSeq = Number(options.cursor);
    }
    if (options.actor !== undefined && !(ACTORS as readonly string[]).includes(options.actor))
      throw new InvalidInputError(`invalid event list: actor: must be one of ${ACTORS.join(", ")}`);
    let agentId: string | undefined;
    let projectId = this.#ctx.projectId;
    if (options.agentId !== undefined) agentId = (await requireAgent(this.#ctx, options.agentId)).id;
    if (options.project !== undefined) projectId = (await this.#projects.get(options.project)).id;
    const rows = await this.#ctx.store.events.list({
      agentId,
      projectId,
      kind: options.kind,
      actor: options.actor,
      afterSeq,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null };
  }
}
