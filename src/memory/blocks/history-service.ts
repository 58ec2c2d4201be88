import { z } from "zod";
import { ConflictError, InvalidInputError } from "../../core/errors.ts";
import { wellFormedPrefix } from "../../core/input-limits.ts";
import type { Agent, Author, Branch, Commit, Page, TreeEntry } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import { type EngineContext, makeEvent, requireAgent } from "../context.ts";
import { notACursor, pageInput } from "../pagination.ts";
import type { BlockService, CommitResult } from "./block-service.ts";
import { type DiffLine, diffLines, formatDiffLines } from "./line-diff.ts";
import { requireBranch, requireCommit, requireHead, resolveRevision, sameCommit } from "./resolve.ts";
import { type BlockChange, expectedHead, MAX_COMMIT_MESSAGE } from "./schemas.ts";

const revertHead = z.object({ expectedHead: expectedHead.optional() });

export const branchName = z
  .string()
  .regex(
    /^(?!HEAD$)[A-Za-z0-9_][A-Za-z0-9_./-]{0,99}$/,
    "must be 1-100 letters, digits, '_', '-', '.' or '/', and not HEAD",
  )
  .refine((name) => !/~\d*$/.test(name) && !name.includes(".."), "must not contain '..' or end in '~N'");

export interface BlockDiff {
  label: string;
  status: "added" | "removed" | "modified";
  /** Settings on each side (null where the block does not exist), when any setting changed. */
  settings: { before: BlockSettings | null; after: BlockSettings | null } | null;
  lines: DiffLine[];
  /** The value diff as unified text (` ` kept, `-` removed, `+` added). */
  patch: string;
}

export interface BlockSettings {
  description: string;
  limit: number;
  readOnly: boolean;
}

export interface CommitDiff {
  from: string;
  to: string;
  blocks: BlockDiff[];
}

export interface RevertOptions {
  branch?: string | undefined;
  expectedHead?: string | undefined;
  author?: Author | undefined;
  message?: string | undefined;
}

/** History of an agent's blocks: log, commits, diffs, revert and branches. */
export class HistoryService {
  readonly #ctx: EngineContext;
  readonly #blocks: BlockService;

  constructor(ctx: EngineContext, blocks: BlockService) {
    this.#ctx = ctx;
    this.#blocks = blocks;
  }

  /** Commits newest first along first parents, from a branch head or a revision. */
  async log(
    agentId: string,
    options: {
      branch?: string | undefined;
      from?: string | undefined;
      cursor?: string | undefined;
      limit?: number | undefined;
    } = {},
  ): Promise<Page<Commit>> {
    // A revision names its own branch (`BRANCH~N`): a branch beside it would be ignored.
    if (options.from !== undefined && options.branch !== undefined)
      throw new InvalidInputError(
        `give from or branch, not both: from names a revision of any branch (for one of ${options.branch}: ${options.branch}~N)`,
      );
    const agent = await requireAgent(this.#ctx, agentId);
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit });
    let start: string;
    if (cursor !== undefined) {
      // A cursor is the full id of the next commit (a nextCursor), never a revision to resolve.
      if (
        !/^[0-9a-f]{64}$/.test(cursor) ||
        (await this.#ctx.store.history.getCommit(agent.id, cursor)) === null
      )
        throw notACursor();
      start = cursor;
    } else if (options.from !== undefined) start = await resolveRevision(this.#ctx, agent, options.from);
    else start = (await requireBranch(this.#ctx, agent, options.branch ?? agent.defaultBranch)).head;
    const commits = await this.#ctx.store.history.log(agent.id, start, { limit: limit + 1 });
    const items = commits.slice(0, limit);
    return { items, nextCursor: commits.length > limit ? (commits[limit]?.id ?? null) : null };
  }

  async getCommit(agentId: string, revision: string): Promise<Commit> {
    const agent = await requireAgent(this.#ctx, agentId);
    return requireCommit(this.#ctx, agent.id, await resolveRevision(this.#ctx, agent, revision));
  }

  async resolve(agentId: string, revision: string): Promise<string> {
    const agent = await requireAgent(this.#ctx, agentId);
    return resolveRevision(this.#ctx, agent, revision);
  }

  /** Per-block line diff between two revisions; unchanged blocks are left out. */
  async diff(agentId: string, from: string, to: string): Promise<CommitDiff> {
    const agent = await requireAgent(this.#ctx, agentId);
    const [a, b] = await Promise.all([
      requireCommit(this.#ctx, agent.id, await resolveRevision(this.#ctx, agent, from)),
      requireCommit(this.#ctx, agent.id, await resolveRevision(this.#ctx, agent, to)),
    ]);
    const before = new Map(a.tree.map((e) => [e.label, e]));
    const after = new Map(b.tree.map((e) => [e.label, e]));
    const labels = [...new Set([...before.keys(), ...after.keys()])].sort();
    const hashes = [...a.tree, ...b.tree].map((e) => e.valueHash);
    const values = await this.#ctx.store.history.getBlobs(agent.id, hashes);
    const blocks: BlockDiff[] = [];
    for (const label of labels) {
      const x = before.get(label);
      const y = after.get(label);
      const settingsChanged = !sameSettings(x, y);
      if (x?.valueHash === y?.valueHash && !settingsChanged) continue;
      const lines = diffLines(
        x === undefined ? "" : (values.get(x.valueHash) ?? ""),
        y === undefined ? "" : (values.get(y.valueHash) ?? ""),
      );
      blocks.push({
        label,
        status: x === undefined ? "added" : y === undefined ? "removed" : "modified",
        settings: settingsChanged ? { before: settingsOf(x), after: settingsOf(y) } : null,
        lines,
        patch: formatDiffLines(lines),
      });
    }
    return { from: a.id, to: b.id, blocks };
  }

  /** Makes a new commit on the branch whose blocks equal those at `revision`. */
  async revert(agentId: string, revision: string, options: RevertOptions = {}): Promise<CommitResult> {
    parseInput(revertHead, { expectedHead: options.expectedHead }, "revert");
    const agent = await requireAgent(this.#ctx, agentId);
    const target = await requireCommit(
      this.#ctx,
      agent.id,
      await resolveRevision(this.#ctx, agent, revision),
    );
    const branchName = options.branch ?? agent.defaultBranch;
    const { commit: head } = await requireHead(this.#ctx, agent, branchName);
    if (options.expectedHead !== undefined && !sameCommit(head.id, options.expectedHead)) {
      throw new ConflictError(
        `branch "${branchName}" is at ${head.id.slice(0, 12)}, not the expected ${options.expectedHead.slice(0, 12)}: re-read and retry`,
        {
          details: { branch: branchName, head: head.id, expectedHead: options.expectedHead },
        },
      );
    }
    const changes = await this.#changesBetween(agent, head.tree, target.tree);
    if (changes.length === 0) return { commit: head, branch: branchName, changed: false };
    return this.#blocks.commit(agent.id, {
      changes,
      branch: branchName,
      expectedHead: head.id,
      author: options.author ?? "user",
      // The reverted commit's message is quoted cut to fit a commit message's limit.
      message:
        options.message ??
        wellFormedPrefix(`Revert to ${target.id.slice(0, 12)} (${target.message})`, MAX_COMMIT_MESSAGE),
    });
  }

  async listBranches(agentId: string): Promise<Branch[]> {
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#ctx.store.history.listBranches(agent.id);
  }

  /** Creates a branch at a revision (default: the head of the default branch). */
  async createBranch(
    agentId: string,
    name: string,
    options: { from?: string | undefined } = {},
  ): Promise<Branch> {
    const agent = await requireAgent(this.#ctx, agentId);
    const valid = parseInput(branchName, name, "branch name");
    const head = await resolveRevision(this.#ctx, agent, options.from ?? "HEAD");
    await this.#ctx.store.history.setBranch({
      agentId: agent.id,
      name: valid,
      commitId: head,
      expectedHead: null,
      event: makeEvent(this.#ctx, {
        projectId: agent.projectId,
        agentId: agent.id,
        actor: "user",
        kind: "branch.created",
        targetType: "branch",
        targetId: valid,
        after: { name: valid, head },
      }),
    });
    return requireBranch(this.#ctx, agent, valid);
  }

  async deleteBranch(agentId: string, name: string): Promise<void> {
    const agent = await requireAgent(this.#ctx, agentId);
    if (name === agent.defaultBranch) {
      throw new InvalidInputError(`branch "${name}" is the agent's default branch and cannot be deleted`);
    }
    const branch = await requireBranch(this.#ctx, agent, name);
    await this.#ctx.store.history.deleteBranch({
      agentId: agent.id,
      name,
      expectedHead: branch.head,
      event: makeEvent(this.#ctx, {
        projectId: agent.projectId,
        agentId: agent.id,
        actor: "user",
        kind: "branch.deleted",
        targetType: "branch",
        targetId: name,
        before: { name, head: branch.head },
      }),
    });
  }

  async #changesBetween(
    agent: Agent,
    from: readonly TreeEntry[],
    to: readonly TreeEntry[],
  ): Promise<BlockChange[]> {
    const current = new Map(from.map((e) => [e.label, e]));
    const target = new Map(to.map((e) => [e.label, e]));
    const values = await this.#ctx.store.history.getBlobs(
      agent.id,
      to.map((e) => e.valueHash),
    );
    const changes: BlockChange[] = [];
    for (const [label, entry] of target) {
      const now = current.get(label);
      if (now?.valueHash === entry.valueHash && sameSettings(now, entry)) continue;
      changes.push({
        op: "set",
        label,
        value: values.get(entry.valueHash) ?? "",
        description: entry.description,
        limit: entry.limit,
        readOnly: entry.readOnly,
      });
    }
    for (const label of current.keys()) if (!target.has(label)) changes.push({ op: "delete", label });
    return changes;
  }
}

function settingsOf(entry: TreeEntry | undefined): BlockSettings | null {
  return entry === undefined
    ? null
    : { description: entry.description, limit: entry.limit, readOnly: entry.readOnly };
}

function sameSettings(a: TreeEntry | undefined, b: TreeEntry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.description === b.description && a.limit === b.limit && a.readOnly === b.readOnly;
}
