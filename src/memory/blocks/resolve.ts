import { InvalidInputError, NotFoundError } from "../../core/errors.ts";
import type { Agent, Branch, Commit } from "../../core/types.ts";
import type { EngineContext } from "../context.ts";

const MIN_PREFIX = 4;

/**
 * Resolves a revision of an agent's blocks to a commit id. Accepts a full id or an unambiguous prefix
 * of at least 4 hex digits, a branch name, `HEAD` (the default branch), and `~N` suffixes for the
 * N-th first parent (`HEAD~2`, `main~1`, `3fa9~1`).
 */
export async function resolveRevision(ctx: EngineContext, agent: Agent, spec: string): Promise<string> {
  if (typeof spec !== "string" || spec.trim() === "") throw new InvalidInputError("revision is empty");
  const match = /^(.*?)(?:~(\d+))?$/.exec(spec.trim());
  const base = match?.[1] ?? spec;
  const back = match?.[2] === undefined ? 0 : Number(match[2]);
  let id = await resolveBase(ctx, agent, base);
  for (let i = 0; i < back; i++) {
    const commit = await ctx.store.history.getCommit(agent.id, id);
    if (commit?.parentId == null) throw new NotFoundError(`revision ${spec} goes past the first commit`);
    id = commit.parentId;
  }
  return id;
}

async function resolveBase(ctx: EngineContext, agent: Agent, base: string): Promise<string> {
  const history = ctx.store.history;
  const branchName = base === "HEAD" ? agent.defaultBranch : base;
  const branch = await history.getBranch(agent.id, branchName);
  if (branch !== null) return branch.head;
  if (/^[0-9a-f]+$/.test(base) && base.length >= MIN_PREFIX) {
    if (base.length === 64) {
      if ((await history.getCommit(agent.id, base)) !== null) return base;
    } else {
      const ids = await history.findCommitIds(agent.id, base, 2);
      if (ids.length > 1) throw new InvalidInputError(`revision ${base} is ambiguous: give more digits`);
      if (ids[0] !== undefined) return ids[0];
    }
  }
  throw new NotFoundError(`revision ${base} not found on agent ${agent.id} (not a branch or a commit of it)`);
}

export async function requireBranch(ctx: EngineContext, agent: Agent, name: string): Promise<Branch> {
  const branch = await ctx.store.history.getBranch(agent.id, name);
  if (branch === null) throw new NotFoundError(`branch "${name}" not found on agent ${agent.id}`);
  return branch;
}

/** A branch and the commit it points at, read together. */
export async function requireHead(
  ctx: EngineContext,
  agent: Agent,
  name: string,
): Promise<{ branch: Branch; commit: Commit }> {
  const head = await ctx.store.history.getHead(agent.id, name);
  if (head === null) throw new NotFoundError(`branch "${name}" not found on agent ${agent.id}`);
  if (head.commit === null)
    throw new NotFoundError(`commit ${head.branch.head} not found on agent ${agent.id}`);
  return { branch: head.branch, commit: head.commit };
}

export async function requireCommit(ctx: EngineContext, agentId: string, id: string): Promise<Commit> {
  const commit = await ctx.store.history.getCommit(agentId, id);
  if (commit === null) throw new NotFoundError(`commit ${id} not found on agent ${agentId}`);
  return commit;
}

/** Whether `expected` names `head`: the full id, or a prefix of at least 7 digits. */
export function sameCommit(head: string, expected: string): boolean {
  return head === expected || (expected.length >= 7 && head.startsWith(expected));
}
