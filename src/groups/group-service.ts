import type { AgentRuntime } from "../agent/agent-runtime.ts";
import { EventChannel } from "../agent/event-channel.ts";
import type { BackgroundTurns } from "../agent/messaging/background-turns.ts";
import { findProjectAgent } from "../agent/messaging/find-agent.ts";
import { followingController } from "../core/abort.ts";
import { InvalidInputError, NotFoundError, toEngramError } from "../core/errors.ts";
import type { Group, GroupMember } from "../core/group-types.ts";
import type { HeldLease } from "../core/lease.ts";
import type { Agent, Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { contentText } from "../images/content-parts.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import { pageInput, pageOf } from "../memory/pagination.ts";
import type { ProjectService } from "../memory/projects/project-service.ts";
import type { GroupEvent, GroupTurnResult } from "./group-events.ts";
import { type GroupInput, type GroupMessageInput, groupInput, groupMessageInput } from "./group-input.ts";
import { type EarlierRun, earlierRun } from "./group-retry.ts";
import { type GroupRun, runGroup } from "./group-run.ts";
import { GROUP_RUN_WAIT_MS, holdRun } from "./group-run-lease.ts";
import { type Exchange, refinableBlocks } from "./sleeptime-refine.ts";

type GroupMessage = ReturnType<typeof groupMessageInput.parse>;

/** A streamed group message: its events, ending with `group-done` or `error`. */
export interface GroupStream extends AsyncIterable<GroupEvent> {
  /** Cancels the turn running now; the stream ends with an `error` event. */
  cancel(): void;
}

/** Per-call options of `send` and `stream`. */
export interface GroupMessageOptions {
  /** Cancels the group's running turn (recorded as failed, `cancelled`), and runs no more. */
  abortSignal?: AbortSignal;
  /** Told every event as it happens (`send` only; `stream` yields them). */
  onEvent?: (event: GroupEvent) => void;
  /**
   * How long a retry waits for another attempt of its run, still running, to end before it is
   * refused (default {@link GROUP_RUN_WAIT_MS}).
   */
  waitMs?: number;
}

/** What groups run on. */
export interface GroupServices {
  runtime(): AgentRuntime;
  /** Where the background work a group starts is tracked (the engine waits for it when it closes). */
  background: BackgroundTurns;
  /** `sleeptime`: the background agent refines the blocks it shares with the primary, after its turn. */
  refine(primary: Agent, background: Agent, exchange: Exchange): Promise<unknown>;
}

/**
 * Groups: agents of one project answering together under a manager pattern (`supervisor`,
 * `round-robin`, `sleeptime`; see docs/agent-runtime.md).
 *
 * @example
 * const team = await engram.groups.create({ name: "desk", pattern: "supervisor", manager: "lead", members: ["researcher", "writer"] });
 * const { answer } = await engram.groups.send(team.id, { content: "Draft a note on Lisbon's trams" });
 */
export class GroupService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;
  readonly #services: GroupServices;

  constructor(ctx: EngineContext, projects: ProjectService, services: GroupServices) {
    this.#ctx = ctx;
    this.#projects = projects;
    this.#services = services;
  }

  /**
   * Creates a group of agents of one project.
   * @throws InvalidInputError naming the field (a pattern's missing or extra manager, a repeated
   *   agent, `maxTurns` on a pattern without turns); NotFoundError naming an agent that is not in the
   *   project (another project's agent is not found either). Nothing is written then.
   */
  async create(input: GroupInput): Promise<Group> {
    const parsed = parseInput(groupInput, input, "group");
    checkShape(parsed);
    const project = await this.#projects.target(parsed.project);
    const resolve = async (ref: string, field: string) => {
      const agent = await findProjectAgent(this.#ctx, project.id, ref);
      if (agent === null)
        throw new NotFoundError(
          `invalid group: ${field}: no agent ${JSON.stringify(ref)} in project ${project.name}`,
        );
      return agent;
    };
    const manager = parsed.manager === undefined ? null : await resolve(parsed.manager, "manager");
    const members: GroupMember[] = [];
    for (const [i, entry] of parsed.members.entries()) {
      const ref = typeof entry === "string" ? entry : entry.agent;
      const agent = await resolve(ref, `members.${i}`);
      if (agent.id === manager?.id || members.some((m) => m.agentId === agent.id))
        throw new InvalidInputError(`invalid group: members.${i}: ${agent.name} is already in the group`);
      members.push({
        agentId: agent.id,
        responder: typeof entry === "string" ? null : (entry.responder ?? null),
      });
    }
    if (parsed.pattern === "sleeptime") await this.#checkShared(members[0] as GroupMember, manager as Agent);
    const group: Group = {
      id: this.#ctx.generateId("group"),
      projectId: project.id,
      name: parsed.name,
      pattern: parsed.pattern,
      managerId: manager?.id ?? null,
      members,
      maxTurns: parsed.pattern === "round-robin" ? (parsed.maxTurns ?? members.length) : null,
      createdAt: nowIso(this.#ctx),
    };
    await this.#ctx.store.groups.create(
      group,
      makeEvent(this.#ctx, {
        projectId: project.id,
        actor: "user",
        kind: "group.created",
        targetType: "group",
        targetId: group.id,
        after: group,
        createdAt: group.createdAt,
      }),
    );
    return group;
  }

  async get(id: string): Promise<Group> {
    return this.#require(id);
  }

  /** Oldest first. */
  async list(options: { project?: string; cursor?: string; limit?: number } = {}): Promise<Page<Group>> {
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, "group");
    const projectId =
      options.project !== undefined ? (await this.#projects.get(options.project)).id : this.#ctx.projectId;
    const rows = await this.#ctx.store.groups.list({ projectId, after: cursor, limit: limit + 1 });
    return pageOf(rows, limit, (g) => g.id);
  }

  /** Deletes a group; its agents and their memory stay. */
  async delete(id: string): Promise<void> {
    const group = await this.#require(id);
    await this.#ctx.store.groups.delete(
      group.id,
      makeEvent(this.#ctx, {
        projectId: group.projectId,
        actor: "user",
        kind: "group.deleted",
        targetType: "group",
        targetId: group.id,
        before: group,
      }),
    );
  }

  /**
   * Runs a message through the group and resolves when every turn it ran is persisted. With
   * `retryOf` (the `runId` of a message that failed), the same message runs again as that run: the
   * steps that succeeded are reused, only the failed ones and those after them run. One attempt of
   * a run runs at a time, across every engine on the database: a retry waits for another attempt
   * still running, then reuses what it answered.
   * @throws EngramError as an agent's turn would, naming the turn that failed and, in `details.runId`,
   *   the message's run; ConflictError (`details.reason: "run_busy"`) when another attempt of the run
   *   is still running after `waitMs`, and nothing is written.
   */
  async send(
    id: string,
    input: GroupMessageInput,
    options: GroupMessageOptions = {},
  ): Promise<GroupTurnResult> {
    const { prepared, held } = await this.#prepare(id, input, options);
    try {
      return await runGroup({
        ...prepared,
        emit: options.onEvent ?? (() => {}),
        abortSignal: anySignal(options.abortSignal, held.lost),
      });
    } finally {
      await releasing(held);
    }
  }

  /**
   * Runs a message through the group, returning its events as they happen. Bad input, an unknown
   * group, another attempt of the run still running after `waitMs` (as `send`) and what stops the
   * first turn from starting (no model) are thrown here, before anything is written; later failures
   * end the stream with an `error` event.
   */
  async stream(
    id: string,
    input: GroupMessageInput,
    options: GroupMessageOptions = {},
  ): Promise<GroupStream> {
    const { prepared, held } = await this.#prepare(id, input, options);
    const controller = followingController(anySignal(options.abortSignal, held.lost));
    const channel = new EventChannel<GroupEvent>(() => controller.abort(new Error("the reader stopped")));
    let last: GroupEvent | undefined;
    let started: () => void = () => {};
    const begun = new Promise<void>((resolve) => {
      started = resolve;
    });
    const run = runGroup({
      ...prepared,
      emit: (event) => {
        last = event;
        started();
        channel.push(event);
      },
      abortSignal: controller.signal,
    }).finally(() => releasing(held));
    const early = await Promise.race([
      begun.then(() => null),
      run.then(
        () => null,
        (error: unknown) => error,
      ),
    ]);
    if (early !== null && last === undefined) throw early;
    run.then(
      (result) => {
        channel.push({
          type: "group-done",
          groupId: result.groupId,
          runId: result.runId,
          answer: result.answer,
          turnIds: result.turns.map((t) => t.turnId),
          reused: result.reused,
        });
        channel.close();
      },
      (error: unknown) => {
        // A turn that failed has told its `error`; one that could not start has not.
        if (last?.type !== "error")
          channel.push({ type: "error", turnId: "", error: toEngramError(error).toJSON(), messageIds: [] });
        channel.close();
      },
    );
    return Object.assign(channel, {});
  }

  /**
   * Loads and checks what a message runs on, and takes its run for this attempt; a retry reads the
   * earlier attempts once it holds the run, so it sees all that another attempt it waited for did.
   * The caller releases `held` when the attempt ends.
   */
  async #prepare(
    id: string,
    input: GroupMessageInput,
    options: GroupMessageOptions,
  ): Promise<{ prepared: Omit<GroupRun, "emit" | "abortSignal">; held: HeldLease }> {
    const { retryOf, ...parsed } = parseInput(groupMessageInput, input, "group message");
    const group = await this.#require(id);
    const agents = new Map<string, Agent>();
    for (const agentId of [group.managerId, ...group.members.map((m) => m.agentId)]) {
      if (agentId === null) continue;
      const agent = await this.#ctx.store.agents.get(agentId);
      if (agent === null) throw new NotFoundError(`group ${group.id}: agent ${agentId} not found`);
      agents.set(agent.id, agent);
    }
    if (group.members.length === 0)
      throw new InvalidInputError(`group ${group.id} has no members left: its agents were deleted`);
    const waitMs = options.waitMs ?? GROUP_RUN_WAIT_MS;
    // NaN would wait for ever.
    if (!(Number.isFinite(waitMs) && waitMs >= 0))
      throw new InvalidInputError(`waitMs: must be a number of ms, 0 or more, got ${waitMs}`);
    const runId = retryOf ?? this.#ctx.generateId("groupRun");
    const held = await holdRun(this.#ctx.store, {
      runId,
      // Unique per attempt: two attempts in one engine must not renew each other's claim.
      attempt: `${this.#ctx.instanceId}/${this.#ctx.generateId("groupRun")}`,
      waitMs,
      nowMs: () => this.#ctx.now(),
      signal: options.abortSignal,
    });
    try {
      const earlier =
        retryOf === undefined ? null : await this.#earlier(group, retryOf, parsed.userId, parsed.content);
      const refine = (primary: Agent, background: Agent, exchange: Exchange) =>
        this.#services.background.add(this.#services.refine(primary, background, exchange));
      const runtime = this.#services.runtime();
      return { prepared: { runtime, group, agents, input: parsed, runId, earlier, refine }, held };
    } catch (error) {
      await releasing(held);
      throw error;
    }
  }

  /**
   * What the earlier attempts of the run a retry names recorded. A run none of whose turns started
   * has recorded nothing: it runs in full.
   * @throws InvalidInputError when the run was sent another message.
   */
  async #earlier(
    group: Group,
    runId: string,
    userId: string | undefined,
    content: GroupMessage["content"],
  ): Promise<EarlierRun> {
    const earlier = await earlierRun(this.#ctx.store, group, runId, userId);
    const first = earlier.steps.find((s) => s.step === 0);
    const text = contentText(content);
    if (first !== undefined && first.content !== (text.trim() === "" ? "[image]" : text))
      throw new InvalidInputError(
        `invalid group message: retryOf: run ${runId} was sent another message: send the same content to retry it`,
      );
    return earlier;
  }

  /** A sleeptime group's background agent must share a block it may write with the primary. */
  async #checkShared(member: GroupMember, background: Agent): Promise<void> {
    const primary = await requireAgent(this.#ctx, member.agentId);
    if ((await refinableBlocks(this.#ctx.store, primary, background)).length > 0) return;
    throw new InvalidInputError(
      `invalid group: manager: ${background.name} shares no block it may write with ${primary.name}: attach ${primary.name}'s shared blocks to ${background.name} first (engram block attach)`,
    );
  }

  async #require(id: string): Promise<Group> {
    if (typeof id !== "string" || id === "")
      throw new InvalidInputError("invalid group id: must not be empty");
    const group = await this.#ctx.store.groups.get(id);
    if (group === null || (this.#ctx.projectId !== undefined && group.projectId !== this.#ctx.projectId))
      throw new NotFoundError(`group ${id} not found`);
    return group;
  }
}

/** Gives a run up; one that cannot be released lapses once it is no longer renewed. */
async function releasing(held: HeldLease): Promise<void> {
  await held.release().catch(() => {});
}

function anySignal(caller: AbortSignal | undefined, lost: AbortSignal): AbortSignal {
  return caller === undefined ? lost : AbortSignal.any([caller, lost]);
}

/** The rules of each pattern that the schema alone cannot say. */
function checkShape(input: ReturnType<typeof groupInput.parse>): void {
  const { pattern, manager, members, maxTurns } = input;
  if (pattern === "round-robin" && manager !== undefined)
    throw new InvalidInputError(
      "invalid group: manager: a round-robin group has none: its members speak in turn",
    );
  if (pattern !== "round-robin" && manager === undefined)
    throw new InvalidInputError(
      `invalid group: manager: required for a ${pattern} group (${pattern === "supervisor" ? "the agent that routes each message" : "the background agent"})`,
    );
  if (pattern !== "round-robin" && maxTurns !== undefined)
    throw new InvalidInputError("invalid group: maxTurns: only a round-robin group takes turns");
  if (pattern === "sleeptime" && members.length !== 1)
    throw new InvalidInputError(
      "invalid group: members: a sleeptime group has exactly one member, its primary agent",
    );
}
