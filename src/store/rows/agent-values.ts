import type { Agent, Commit } from "../../core/types.ts";

/*
 * The values both backends write for an agent and its commits, in the order of their columns, so
 * that one list serves SQLite's `?` and PostgreSQL's `$n` statements.
 */

/** The columns of a `commits` row, in the order `commitValues` gives them. */
export const COMMIT_INSERT_COLUMNS =
  "agent_id, id, seq, parent_id, tree_hash, tree, author, message, created_at";

/** A commit's row values as the `seq`-th commit of its agent (its order of arrival). */
export const commitValues = (agentId: string, commit: Commit, seq: number) => [
  agentId,
  commit.id,
  seq,
  commit.parentId,
  commit.treeHash,
  JSON.stringify(commit.tree),
  commit.author,
  commit.message,
  commit.createdAt,
];

/** The columns of an `agents` row, in the order `agentValues` gives them. */
export const AGENT_INSERT_COLUMNS =
  "id, project_id, name, model, instructions, metadata, default_branch, created_at, updated_at";

/** An agent's row values. */
export const agentValues = (agent: Agent) => [
  agent.id,
  agent.projectId,
  agent.name,
  agent.model,
  agent.instructions,
  JSON.stringify(agent.metadata),
  agent.defaultBranch,
  agent.createdAt,
  agent.updatedAt,
];

/** What an agent's update writes, in this order: name, model, instructions, metadata, default branch, update time, then the id. */
export const agentUpdateValues = (agent: Agent) => [
  agent.name,
  agent.model,
  agent.instructions,
  JSON.stringify(agent.metadata),
  agent.defaultBranch,
  agent.updatedAt,
  agent.id,
];
