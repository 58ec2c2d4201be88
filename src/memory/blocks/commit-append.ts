import type { Agent, Author, Blob, Commit } from "../../core/types.ts";
import type { AppendCommit } from "../../store/store.ts";
import { type EngineContext, makeEvent } from "../context.ts";

/**
 * What the store appends for a commit on one of an agent's branches: the commit, the blobs it
 * introduces, and its `blocks.committed` event with the head before and after (and what `after`
 * adds: the blocks changed, who shared the edit …).
 */
export function commitAppend(
  ctx: EngineContext,
  input: {
    agent: Agent;
    branch: string;
    head: Commit;
    commit: Commit;
    blobs: Blob[];
    author: Author;
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
  },
): AppendCommit {
  const { agent, branch, head, commit } = input;
  return {
    agentId: agent.id,
    branch,
    expectedHead: head.id,
    commit,
    blobs: input.blobs,
    event: makeEvent(ctx, {
      projectId: agent.projectId,
      agentId: agent.id,
      actor: input.author,
      kind: "blocks.committed",
      targetType: "commit",
      targetId: commit.id,
      before: { head: head.id, ...input.before },
      after: { head: commit.id, branch, message: commit.message, ...input.after },
      createdAt: commit.createdAt,
    }),
  };
}
