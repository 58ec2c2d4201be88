import { z } from "zod";
import { ConflictError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { sha256 } from "../../core/hash.ts";
import type { BlockAttachment, SharedBlock, SharedBlockEdit } from "../../core/shared-block-types.ts";
import type { Agent, Commit, Page, TreeEntry } from "../../core/types.ts";
import { charCount, parseInput } from "../../core/validation.ts";
import type { AppendCommit } from "../../store/store.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../context.ts";
import type { EventKind } from "../events/event-kinds.ts";
import { dropUndefined, isSeqCursor, pageInput, pageOf } from "../pagination.ts";
import type { ProjectService } from "../projects/project-service.ts";
import type { CommitResult } from "./block-service.ts";
import { commitAppend } from "./commit-append.ts";
import { makeCommit } from "./commit-hash.ts";
import { requireHead } from "./resolve.ts";
import { BLOCK_DEFAULTS, blockDescription, blockLabel, blockLimit } from "./schemas.ts";
import { isSharedConflict } from "./shared-edit.ts";

export const createSharedBlockInput = z.strictObject({
  label: blockLabel,
  value: z.string(),
  limit: blockLimit.optional(),
  description: blockDescription.optional(),
  /** The block's own setting: no agent may change it. */
  readOnly: z.boolean().optional(),
  /** Project id or name (default: the view's project, else `default`). */
  project: z.string().min(1).optional(),
});
export type CreateSharedBlockInput = z.input<typeof createSharedBlockInput>;

const attachOptions = z.strictObject({ readOnly: z.boolean().optional() });
const blockId = z.string().regex(/^blk_[0-9a-z]{26}$/, "must be a shared block id (blk_…)");

/** A shared block as read: its value and size, and the agents carrying it. */
export interface SharedBlockInfo extends SharedBlock {
  /** Characters used, out of `limit`. */
  size: number;
  attachments: BlockAttachment[];
}

/** Retries of an attach or detach when the block or the agent's head moved meanwhile. */
const RETRIES = 10;

/**
 * Blocks owned by a project and attached to several of its agents. An edit through any attached
 * agent (see `BlockService`) commits on every attached agent's default branch in one transaction.
 */
export class SharedBlockService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /** Creates a shared block in a project, attached to no agent yet. */
  async create(input: CreateSharedBlockInput): Promise<SharedBlockInfo> {
    const parsed = parseInput(createSharedBlockInput, dropUndefined(input), "shared block");
    const limit = parsed.limit ?? BLOCK_DEFAULTS.limit;
    const size = charCount(parsed.value);
    if (size > limit)
      throw new InvalidInputError(
        `invalid shared block: value: ${size} characters, over its limit of ${limit}`,
        {
          details: { label: parsed.label, size, limit },
        },
      );
    const project = await this.#projects.target(parsed.project);
    const now = nowIso(this.#ctx);
    const block: SharedBlock = {
      id: this.#ctx.generateId("block"),
      projectId: project.id,
      label: parsed.label,
      value: parsed.value,
      description: parsed.description ?? "",
      limit,
      readOnly: parsed.readOnly ?? false,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.#ctx.store.sharedBlocks.create(
      block,
      makeEvent(this.#ctx, {
        projectId: project.id,
        actor: "user",
        kind: "block.created",
        targetType: "block",
        targetId: block.id,
        after: block,
        createdAt: now,
      }),
    );
    return { ...block, size, attachments: [] };
  }

  /** @throws NotFoundError when there is no such block in a project this view sees. */
  async get(id: string): Promise<SharedBlockInfo> {
    const block = await this.#require(id);
    return {
      ...block,
      size: charCount(block.value),
      attachments: await this.#ctx.store.sharedBlocks.attachments(id),
    };
  }

  /** The shared blocks of a project (the view's, or all when unscoped and none is named), oldest first. */
  async list(
    options: { project?: string | undefined; cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<SharedBlock & { size: number }>> {
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, "block");
    const projectId =
      options.project !== undefined ? (await this.#projects.get(options.project)).id : this.#ctx.projectId;
    const rows = await this.#ctx.store.sharedBlocks.list({ projectId, after: cursor, limit: limit + 1 });
    return pageOf(
      rows.map((b) => ({ ...b, size: charCount(b.value) })),
      limit,
      (b) => b.id,
    );
  }

  /** Deletes a block attached to no agent. @throws ConflictError while any agent carries it. */
  async delete(id: string): Promise<void> {
    const block = await this.#require(id);
    await this.#ctx.store.sharedBlocks.delete(
      id,
      makeEvent(this.#ctx, {
        projectId: block.projectId,
        actor: "user",
        kind: "block.deleted",
        targetType: "block",
        targetId: id,
        before: block,
      }),
    );
  }

  /** The block's edits across its agents, oldest first, each with the commit it made on each agent. */
  async commits(
    id: string,
    options: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<SharedBlockEdit>> {
    await this.#require(id);
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, isSeqCursor);
    const rows = await this.#ctx.store.sharedBlocks.edits(id, { after: cursor, limit: limit + 1 });
    return pageOf(rows, limit, (e) => String(e.seq));
  }

  /**
   * Attaches a block of the agent's project to the agent, as a commit on its default branch that
   * adds the block under its label. `readOnly` holds for this agent only.
   * @throws NotFoundError when the block is not in the agent's project; ConflictError when the agent
   * has a block of that label already.
   */
  async attach(
    agentId: string,
    id: string,
    options: { readOnly?: boolean | undefined } = {},
  ): Promise<CommitResult> {
    const { readOnly } = parseInput(attachOptions, dropUndefined(options), "attach");
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#retrying(agent, async () => {
      const block = await this.#require(id);
      if (block.projectId !== agent.projectId) throw new NotFoundError(`shared block ${id} not found`);
      const head = await this.#head(agent);
      if (head.tree.some((e) => e.label === block.label))
        throw new ConflictError(
          `agent ${agent.name} already has a block labelled "${block.label}": rename or delete it before attaching ${id}`,
          { details: { label: block.label, blockId: id } },
        );
      const entry: TreeEntry = {
        label: block.label,
        description: block.description,
        limit: block.limit,
        readOnly: block.readOnly || readOnly === true,
        valueHash: sha256(block.value),
        sharedId: block.id,
      };
      const append = this.#append(
        agent,
        head,
        [...head.tree, entry],
        `attach shared block ${block.label} (${id})`,
        [{ hash: entry.valueHash, value: block.value }],
      );
      const attachment: BlockAttachment = {
        blockId: id,
        agentId: agent.id,
        label: block.label,
        readOnly: readOnly === true,
        createdAt: append.commit.createdAt,
      };
      await this.#ctx.store.sharedBlocks.attach({
        blockId: id,
        agentId: agent.id,
        expectedVersion: block.version,
        append,
        attachment,
        event: this.#attachmentEvent(agent, "block.attached", id, { after: attachment }),
      });
      return { commit: append.commit, branch: agent.defaultBranch, changed: true };
    });
  }

  /**
   * Detaches the shared block the agent carries under `label`. The agent keeps a private copy of the
   * block as it was (its own block from then on); the shared block and its other agents are unchanged.
   */
  async detach(agentId: string, label: string): Promise<CommitResult> {
    const agent = await requireAgent(this.#ctx, agentId);
    parseInput(blockLabel, label, "label");
    return this.#retrying(agent, async () => {
      const attachment = (await this.#ctx.store.sharedBlocks.attachmentsOf(agent.id)).find(
        (a) => a.label === label,
      );
      if (attachment === undefined)
        throw new NotFoundError(`agent ${agent.name} has no shared block labelled "${label}"`);
      const block = await this.#require(attachment.blockId);
      const head = await this.#head(agent);
      const tree = head.tree.map((e): TreeEntry => {
        if (e.label !== label) return e;
        const { sharedId: _, ...copy } = e;
        return { ...copy, readOnly: block.readOnly };
      });
      const append = this.#append(
        agent,
        head,
        tree,
        `detach shared block ${label} (${block.id}), keeping a private copy`,
        [],
      );
      await this.#ctx.store.sharedBlocks.detach({
        blockId: block.id,
        agentId: agent.id,
        expectedVersion: block.version,
        append,
        event: this.#attachmentEvent(agent, "block.detached", block.id, { before: attachment }),
      });
      return { commit: append.commit, branch: agent.defaultBranch, changed: true };
    });
  }

  async #require(id: string): Promise<SharedBlock> {
    if (!blockId.safeParse(id).success) throw new NotFoundError(`shared block ${String(id)} not found`);
    const block = await this.#ctx.store.sharedBlocks.get(id);
    if (block === null || (this.#ctx.projectId !== undefined && block.projectId !== this.#ctx.projectId))
      throw new NotFoundError(`shared block ${id} not found`);
    return block;
  }

  async #head(agent: Agent): Promise<Commit> {
    return (await requireHead(this.#ctx, agent, agent.defaultBranch)).commit;
  }

  /** The commit on the agent's default branch that makes its tree `tree`. */
  #append(
    agent: Agent,
    head: Commit,
    tree: TreeEntry[],
    message: string,
    blobs: AppendCommit["blobs"],
  ): AppendCommit {
    const createdAt = nowIso(this.#ctx);
    const commit = makeCommit({ parentId: head.id, tree, author: "user", message, createdAt });
    return commitAppend(this.#ctx, {
      agent,
      branch: agent.defaultBranch,
      head,
      commit,
      blobs,
      author: "user",
    });
  }

  #attachmentEvent(
    agent: Agent,
    kind: EventKind,
    blockIdValue: string,
    change: { before?: unknown; after?: unknown },
  ) {
    return makeEvent(this.#ctx, {
      projectId: agent.projectId,
      agentId: agent.id,
      actor: "user",
      kind,
      targetType: "block",
      targetId: blockIdValue,
      ...change,
    });
  }

  /** Runs an attach or detach under the agent's write lock, again when the block or a head moved. */
  async #retrying<T>(agent: Agent, fn: () => Promise<T>): Promise<T> {
    return this.#ctx.writeLock.run(agent.id, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await fn();
        } catch (error) {
          const moved =
            error instanceof ConflictError &&
            (isSharedConflict(error, agent.id) ||
              (error.details as { head?: unknown } | undefined)?.head !== undefined);
          if (!moved || attempt >= RETRIES) throw error;
          await new Promise((resolve) => setTimeout(resolve, attempt));
        }
      }
    });
  }
}
