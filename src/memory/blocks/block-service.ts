import type { z } from "zod";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { sha256 } from "../../core/hash.ts";
import type { BlockAttachment } from "../../core/shared-block-types.ts";
import type { Agent, Author, Blob, Block, Commit, TreeEntry } from "../../core/types.ts";
import { charCount, parseInput } from "../../core/validation.ts";
import type { AppendCommit } from "../../store/store.ts";
import { type EngineContext, nowIso, requireAgent } from "../context.ts";
import { dropUndefined } from "../pagination.ts";
import { commitAppend } from "./commit-append.ts";
import { makeCommit } from "./commit-hash.ts";
import { requireCommit, requireHead, resolveRevision, sameCommit } from "./resolve.ts";
import { BLOCK_DEFAULTS, type BlockChange, type CommitInput, commitInput } from "./schemas.ts";
import {
  attachmentsOf,
  isSharedConflict,
  loadTarget,
  prepareSharedWrite,
  type SharedChange,
} from "./shared-edit.ts";

/** The blocks of an agent as of one commit. */
export interface BlockSet {
  commit: string;
  /** The branch read, when the read was by branch rather than by commit. */
  branch: string | null;
  blocks: Block[];
}

/** A block as of one commit. */
export interface BlockAt extends Block {
  commit: string;
}

export interface CommitResult {
  commit: Commit;
  branch: string;
  /** False when the changes left every block as it was: no commit was made and `commit` is the head. */
  changed: boolean;
}

/** A commit computed but not written: what the store must append, or null when nothing changes. */
export interface PreparedCommit extends CommitResult {
  append: AppendCommit | null;
}

export interface ReadOptions {
  /** A revision (commit id or prefix, branch, `HEAD~N`). Defaults to the head of `branch`. */
  at?: string | undefined;
  /** The branch whose head to read (default: the agent's); not with `at`. */
  branch?: string | undefined;
}

export interface SetBlockOptions {
  description?: string | undefined;
  limit?: number | undefined;
  readOnly?: boolean | undefined;
  branch?: string | undefined;
  expectedHead?: string | undefined;
  author?: Author | undefined;
  message?: string | undefined;
}

/** Retries of a write that named no expected head, when another process moved the branch meanwhile. */
const AUTO_RETRIES = 10;

/** Reading and writing an agent's blocks; every write is a commit. */
export class BlockService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async list(agentId: string, options: ReadOptions = {}): Promise<BlockSet> {
    const agent = await requireAgent(this.#ctx, agentId);
    const { commit, branch } = await this.#readPoint(agent, options);
    return { commit: commit.id, branch, blocks: await this.#materialise(agent.id, commit.tree) };
  }

  async get(agentId: string, label: string, options: ReadOptions = {}): Promise<BlockAt> {
    const agent = await requireAgent(this.#ctx, agentId);
    const { commit } = await this.#readPoint(agent, options);
    const entry = commit.tree.find((e) => e.label === label);
    if (entry === undefined)
      throw new NotFoundError(`block "${label}" not found on agent ${agent.id} at ${commit.id.slice(0, 12)}`);
    const [block] = await this.#materialise(agent.id, [entry]);
    return { ...(block as Block), commit: commit.id };
  }

  /** Creates or updates one block. */
  async set(
    agentId: string,
    label: string,
    value: string,
    options: SetBlockOptions = {},
  ): Promise<CommitResult> {
    return this.commit(agentId, {
      changes: [
        {
          op: "set",
          label,
          value,
          description: options.description,
          limit: options.limit,
          readOnly: options.readOnly,
        },
      ],
      branch: options.branch,
      expectedHead: options.expectedHead,
      author: options.author,
      message: options.message,
    });
  }

  async delete(
    agentId: string,
    label: string,
    options: Omit<SetBlockOptions, "description" | "limit" | "readOnly"> = {},
  ): Promise<CommitResult> {
    return this.commit(agentId, {
      changes: [{ op: "delete", label }],
      branch: options.branch,
      expectedHead: options.expectedHead,
      author: options.author,
      message: options.message,
    });
  }

  /**
   * Applies changes to several blocks as one commit. With `expectedHead`, the write happens only if
   * the branch is still there (else ConflictError); without it, it applies to whatever the head is.
   */
  async commit(agentId: string, input: CommitInput): Promise<CommitResult> {
    const parsed = parseInput(commitInput, dropUndefinedOptions(input), "commit");
    const agent = await requireAgent(this.#ctx, agentId);
    const branchName = parsed.branch ?? agent.defaultBranch;
    checkDistinctLabels(parsed.changes);
    return this.#ctx.writeLock.run(agent.id, () => this.#commitLocked(agent, branchName, parsed));
  }

  /**
   * Computes a commit without writing it, checked exactly as `commit` checks it (limits, read-only,
   * labels). The append it returns expects the head it was computed from, so writing it later (e.g.
   * with a sleep-time job's other changes) fails with ConflictError if the branch moved meanwhile.
   */
  async prepareCommit(agentId: string, input: CommitInput): Promise<PreparedCommit> {
    const parsed = parseInput(commitInput, dropUndefinedOptions(input), "commit");
    const agent = await requireAgent(this.#ctx, agentId);
    const branchName = parsed.branch ?? agent.defaultBranch;
    checkDistinctLabels(parsed.changes);
    const head = await this.#expectedHead(agent, branchName, parsed.expectedHead);
    return this.#prepare(agent, branchName, head, parsed.changes, parsed.author, parsed.message);
  }

  /** The branch's head commit. @throws ConflictError when it is not the head the write expects. */
  async #expectedHead(agent: Agent, branchName: string, expectedHead: string | undefined): Promise<Commit> {
    const { branch, commit } = await requireHead(this.#ctx, agent, branchName);
    if (expectedHead !== undefined && !sameCommit(branch.head, expectedHead)) {
      throw new ConflictError(
        `branch "${branchName}" is at ${branch.head.slice(0, 12)}, not the expected ${expectedHead.slice(0, 12)}: re-read and retry`,
        { details: { branch: branchName, head: branch.head, expectedHead } },
      );
    }
    return commit;
  }

  async #commitLocked(
    agent: Agent,
    branchName: string,
    parsed: z.output<typeof commitInput>,
  ): Promise<CommitResult> {
    for (let attempt = 0; ; attempt++) {
      const head = await this.#expectedHead(agent, branchName, parsed.expectedHead);
      try {
        return await this.#apply(agent, branchName, head, parsed.changes, parsed.author, parsed.message);
      } catch (error) {
        // A shared block or another agent carrying it moved: never the caller's head, so always retried.
        const retry =
          error instanceof ConflictError &&
          (parsed.expectedHead === undefined || isSharedConflict(error, agent.id)) &&
          attempt < AUTO_RETRIES;
        if (!retry) throw error;
        // Another process moved the branch: back off briefly, then re-read and re-apply.
        await delay(attempt);
      }
    }
  }

  async #apply(
    agent: Agent,
    branch: string,
    head: Commit,
    changes: readonly BlockChange[],
    author: Author,
    message: string | undefined,
  ): Promise<CommitResult> {
    const { append, ...result } = await this.#prepare(agent, branch, head, changes, author, message);
    if (append !== null) await this.#ctx.store.history.append(append);
    return result;
  }

  async #prepare(
    agent: Agent,
    branch: string,
    head: Commit,
    changes: readonly BlockChange[],
    author: Author,
    message: string | undefined,
  ): Promise<PreparedCommit> {
    const tree = new Map(head.tree.map((entry) => [entry.label, entry]));
    const currentValues = await this.#ctx.store.history.getBlobs(
      agent.id,
      changes.flatMap((c) => {
        const hash = tree.get(c.label)?.valueHash;
        return hash === undefined ? [] : [hash];
      }),
    );
    const blobs: Blob[] = [];
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    // Shared blocks propagate from the default branch only: an edit on another branch stays there.
    const attached =
      branch === agent.defaultBranch && changes.some((c) => tree.get(c.label)?.sharedId !== undefined)
        ? await attachmentsOf(this.#ctx, agent.id)
        : null;
    const shared: (Omit<SharedChange, "target" | "readOnly"> & { ownReadOnly: boolean | undefined })[] = [];
    for (const change of changes) {
      const existing = tree.get(change.label);
      if (existing?.readOnly === true && author === "agent") {
        throw new ForbiddenError(`block "${change.label}" is read-only: the agent cannot change it`);
      }
      const oldValue = existing === undefined ? null : (currentValues.get(existing.valueHash) ?? "");
      if (change.op === "delete") {
        if (existing === undefined) throw new NotFoundError(`block "${change.label}" not found`);
        if (existing.sharedId !== undefined && attached?.has(existing.sharedId) === true) {
          throw new InvalidInputError(
            `block "${change.label}" is the shared block ${existing.sharedId}: detach it from the agent instead of deleting it`,
            { details: { label: change.label, blockId: existing.sharedId } },
          );
        }
        tree.delete(change.label);
        before[change.label] = { ...existing, value: oldValue };
        after[change.label] = null;
        continue;
      }
      const settings: { description?: string; limit?: number; readOnly?: boolean } =
        change.op === "set" ? change : {};
      if (author === "agent" && settings.readOnly === true) {
        throw new ForbiddenError(`the agent cannot make block "${change.label}" read-only`);
      }
      const value = newValue(change, oldValue);
      const entry: TreeEntry = {
        label: change.label,
        description: settings.description ?? existing?.description ?? "",
        limit: settings.limit ?? existing?.limit ?? BLOCK_DEFAULTS.limit,
        readOnly: settings.readOnly ?? existing?.readOnly ?? false,
        valueHash: sha256(value),
        ...(existing?.sharedId === undefined ? {} : { sharedId: existing.sharedId }),
      };
      const size = charCount(value);
      if (size > entry.limit) {
        throw new InvalidInputError(
          `block "${change.label}" would hold ${size} characters, over its limit of ${entry.limit}`,
          { details: { label: change.label, size, limit: entry.limit } },
        );
      }
      if (entry.valueHash !== existing?.valueHash) blobs.push({ hash: entry.valueHash, value });
      tree.set(change.label, entry);
      before[change.label] = existing === undefined ? null : { ...existing, value: oldValue };
      after[change.label] = { ...entry, value };
      if (entry.sharedId !== undefined && attached !== null) {
        // A read-only setting that differs from what the agent sees is a change of the block's own.
        const ownReadOnly =
          settings.readOnly !== undefined && settings.readOnly !== existing?.readOnly
            ? settings.readOnly
            : undefined;
        shared.push({ entry, value, ownReadOnly });
      }
    }
    const sharedChanges = await this.#sharedChanges(shared, attached, tree, after);
    const createdAt = nowIso(this.#ctx);
    const commit = makeCommit({
      parentId: head.id,
      tree: [...tree.values()],
      author,
      message: message ?? describeChanges(changes, head.tree),
      createdAt,
    });
    if (commit.treeHash === head.treeHash) return { commit: head, branch, changed: false, append: null };
    const append = commitAppend(this.#ctx, {
      agent,
      branch,
      head,
      commit,
      blobs,
      author,
      before: { blocks: before },
      after: { blocks: after },
    });
    if (sharedChanges.length > 0)
      append.shared = await prepareSharedWrite(this.#ctx, { agent, commit, changes: sharedChanges, author });
    return { commit, branch, changed: true, append };
  }

  /**
   * The shared blocks a commit edits, each with every agent carrying it; entries of blocks no longer
   * attached (or gone) become private, and each entry's read-only flag is the block's own or the
   * attachment's.
   */
  async #sharedChanges(
    shared: readonly (Omit<SharedChange, "target" | "readOnly"> & { ownReadOnly: boolean | undefined })[],
    attached: Map<string, BlockAttachment> | null,
    tree: Map<string, TreeEntry>,
    after: Record<string, unknown>,
  ): Promise<SharedChange[]> {
    const result: SharedChange[] = [];
    for (const { entry, value, ownReadOnly } of shared) {
      const own = entry.sharedId === undefined ? undefined : attached?.get(entry.sharedId);
      const target = own === undefined ? null : await loadTarget(this.#ctx, own);
      let next: TreeEntry;
      if (target === null) {
        const { sharedId: _, ...rest } = entry;
        next = rest;
      } else {
        const readOnly = ownReadOnly ?? target.block.readOnly;
        next = { ...entry, readOnly: readOnly || target.own.readOnly };
        result.push({ target, entry: next, value, readOnly });
      }
      tree.set(entry.label, next);
      after[entry.label] = { ...next, value };
    }
    return result;
  }

  async #readPoint(agent: Agent, options: ReadOptions): Promise<{ commit: Commit; branch: string | null }> {
    // A revision names its own branch (`BRANCH~N`): a branch beside it would be ignored.
    if (options.at !== undefined && options.branch !== undefined)
      throw new InvalidInputError(
        `give at or branch, not both: at names a revision of any branch (for one of ${options.branch}: ${options.branch}~N)`,
      );
    if (options.at !== undefined) {
      const id = await resolveRevision(this.#ctx, agent, options.at);
      return { commit: await requireCommit(this.#ctx, agent.id, id), branch: null };
    }
    const { branch, commit } = await requireHead(this.#ctx, agent, options.branch ?? agent.defaultBranch);
    return { commit, branch: branch.name };
  }

  async #materialise(agentId: string, entries: readonly TreeEntry[]): Promise<Block[]> {
    const values = await this.#ctx.store.history.getBlobs(
      agentId,
      entries.map((e) => e.valueHash),
    );
    return entries.map((entry) => {
      const value = values.get(entry.valueHash);
      if (value === undefined)
        throw new Error(`blob ${entry.valueHash} of block "${entry.label}" is missing`);
      return {
        label: entry.label,
        value,
        description: entry.description,
        limit: entry.limit,
        readOnly: entry.readOnly,
        size: charCount(value),
        ...(entry.sharedId === undefined ? {} : { sharedId: entry.sharedId }),
      };
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkDistinctLabels(changes: readonly BlockChange[]): void {
  const seen = new Set<string>();
  for (const change of changes) {
    if (seen.has(change.label))
      throw new InvalidInputError(`invalid commit: changes: block "${change.label}" appears twice`);
    seen.add(change.label);
  }
}

/** A block's value after a set, append or replace. @throws when the block or the passage is missing. */
function newValue(change: Exclude<BlockChange, { op: "delete" }>, oldValue: string | null): string {
  if (change.op === "set") return change.value ?? oldValue ?? "";
  if (oldValue === null) throw new NotFoundError(`block "${change.label}" not found`);
  if (change.op === "append") return oldValue === "" ? change.text : `${oldValue}\n${change.text}`;
  const at = oldValue.indexOf(change.old);
  if (at < 0) {
    throw new InvalidInputError(`replace: the text to replace was not found in block "${change.label}"`, {
      details: { label: change.label },
    });
  }
  if (oldValue.indexOf(change.old, at + 1) >= 0) {
    throw new InvalidInputError(
      `replace: the text to replace occurs more than once in block "${change.label}": include more of the surrounding text so it is unique`,
      { details: { label: change.label } },
    );
  }
  return oldValue.slice(0, at) + change.new + oldValue.slice(at + change.old.length);
}

function describeChanges(changes: readonly BlockChange[], headTree: readonly TreeEntry[]): string {
  const existing = new Set(headTree.map((e) => e.label));
  const parts = changes.map((c) =>
    c.op === "set" ? `${existing.has(c.label) ? "update" : "create"} ${c.label}` : `${c.op} ${c.label}`,
  );
  return parts.join(", ");
}

/**
 * The commit input without its undefined options, in it and in each change (the schemas are strict).
 * Only those two levels: anything deeper is the schema's to refuse, and nothing here may recurse
 * into what a caller sent.
 */
function dropUndefinedOptions(input: CommitInput): CommitInput {
  if (!isPlainObject(input)) return input;
  const top = dropUndefined(input) as CommitInput;
  if (!Array.isArray(top.changes)) return top;
  return {
    ...top,
    changes: top.changes.map((c) => (isPlainObject(c) ? (dropUndefined(c) as BlockChange) : c)),
  };
}

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
