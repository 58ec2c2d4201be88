import { EngramError } from "../../core/errors.ts";
import type { BlockAttachment, SharedBlock, SharedBlockEdit } from "../../core/shared-block-types.ts";
import type { Agent, Author, Commit, TreeEntry } from "../../core/types.ts";
import type { AppendCommit, SharedEditWrite } from "../../store/store.ts";
import type { EngineContext } from "../context.ts";
import { commitAppend } from "./commit-append.ts";
import { makeCommit } from "./commit-hash.ts";

/** A shared block a commit edits, with every agent that carries it. */
export interface SharedTarget {
  block: SharedBlock;
  /** The editing agent's attachment. */
  own: BlockAttachment;
  attachments: BlockAttachment[];
}

/** One changed entry of a shared block in the editing agent's new tree, with its value. */
export interface SharedChange {
  target: SharedTarget;
  entry: TreeEntry;
  value: string;
  /** The block's own read-only setting after the edit. */
  readOnly: boolean;
}

/** The shared blocks an agent carries, by block id (one query, made only when a commit touches one). */
export async function attachmentsOf(
  ctx: EngineContext,
  agentId: string,
): Promise<Map<string, BlockAttachment>> {
  const rows = await ctx.store.sharedBlocks.attachmentsOf(agentId);
  return new Map(rows.map((a) => [a.blockId, a]));
}

/** The block an attachment names with all its attachments, or null when it is gone. */
export async function loadTarget(ctx: EngineContext, own: BlockAttachment): Promise<SharedTarget | null> {
  const block = await ctx.store.sharedBlocks.get(own.blockId);
  if (block === null) return null;
  return { block, own, attachments: await ctx.store.sharedBlocks.attachments(block.id) };
}

/**
 * What an edit of shared blocks through `agent` writes besides its own commit: the blocks' new state,
 * a commit on every other attached agent's default branch (the same change, its message naming the
 * editing agent) and the record of each edit.
 */
export async function prepareSharedWrite(
  ctx: EngineContext,
  input: { agent: Agent; commit: Commit; changes: readonly SharedChange[]; author: Author },
): Promise<SharedEditWrite> {
  const { agent, commit, changes, author } = input;
  const others = new Map<string, { att: BlockAttachment; change: SharedChange }[]>();
  for (const change of changes)
    for (const att of change.target.attachments) {
      if (att.agentId === agent.id) continue;
      others.set(att.agentId, [...(others.get(att.agentId) ?? []), { att, change }]);
    }
  const appends: AppendCommit[] = [];
  const commitsByBlock = new Map<string, { agentId: string; commitId: string }[]>(
    changes.map((c) => [c.target.block.id, [{ agentId: agent.id, commitId: commit.id }]]),
  );
  for (const [otherId, edits] of others) {
    const append = await otherAppend(ctx, { agent, commit, author, otherId, edits });
    if (append === null) continue;
    appends.push(append);
    for (const { change } of edits)
      commitsByBlock.get(change.target.block.id)?.push({ agentId: otherId, commitId: append.commit.id });
  }
  const edits: Omit<SharedBlockEdit, "seq">[] = changes.map((c) => ({
    blockId: c.target.block.id,
    agentId: agent.id,
    author,
    message: commit.message,
    valueHash: c.entry.valueHash,
    createdAt: commit.createdAt,
    commits: commitsByBlock.get(c.target.block.id) ?? [],
  }));
  return {
    blocks: changes.map((c) => ({
      id: c.target.block.id,
      expectedVersion: c.target.block.version,
      value: c.value,
      description: c.entry.description,
      limit: c.entry.limit,
      readOnly: c.readOnly,
      updatedAt: commit.createdAt,
    })),
    appends,
    edits,
  };
}

/** The commit an edit makes on another attached agent's default branch, or null when it changes nothing. */
async function otherAppend(
  ctx: EngineContext,
  input: {
    agent: Agent;
    commit: Commit;
    author: Author;
    otherId: string;
    edits: { att: BlockAttachment; change: SharedChange }[];
  },
): Promise<AppendCommit | null> {
  const other = await ctx.store.agents.get(input.otherId);
  if (other === null) return null;
  const head = (await ctx.store.history.getHead(other.id, other.defaultBranch))?.commit ?? null;
  if (head === null) return null;
  const tree = new Map(head.tree.map((e) => [e.label, e]));
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const { att, change } of input.edits) {
    const entry: TreeEntry = {
      ...change.entry,
      label: att.label,
      readOnly: change.readOnly || att.readOnly,
      sharedId: change.target.block.id,
    };
    before[att.label] = tree.get(att.label) ?? null;
    after[att.label] = { ...entry, value: change.value };
    tree.set(att.label, entry);
  }
  const labels = input.edits.map((e) => e.att.label).join(", ");
  const commit = makeCommit({
    parentId: head.id,
    tree: [...tree.values()],
    author: input.author,
    message: `${input.commit.message} [shared ${labels}, edited through agent ${input.agent.name} (${input.agent.id})]`,
    createdAt: input.commit.createdAt,
  });
  if (commit.treeHash === head.treeHash) return null;
  return commitAppend(ctx, {
    agent: other,
    branch: other.defaultBranch,
    head,
    commit,
    blobs: input.edits.map(({ change }) => ({ hash: change.entry.valueHash, value: change.value })),
    author: input.author,
    before: { blocks: before },
    after: { blocks: after, sharedBy: input.agent.id },
  });
}

/**
 * Whether a write failed because a shared block, or another agent carrying it, moved meanwhile: not
 * the caller's expected head, so the edit is re-read and re-applied.
 */
export function isSharedConflict(error: unknown, agentId: string): boolean {
  if (!EngramError.isInstance(error) || error.code !== "conflict") return false;
  const details = (error as { details?: Record<string, unknown> }).details;
  return details?.retry === "shared" || (typeof details?.agentId === "string" && details.agentId !== agentId);
}
