import type { Agent, Author, Commit, EngramEvent } from "../../core/types.ts";

export interface AgentRow {
  id: string;
  project_id: string;
  name: string;
  model: string | null;
  instructions: string;
  metadata: string;
  default_branch: string;
  created_at: string;
  updated_at: string;
}

export const toAgent = (row: AgentRow): Agent => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  model: row.model,
  instructions: row.instructions,
  metadata: JSON.parse(row.metadata),
  defaultBranch: row.default_branch,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface CommitRow {
  id: string;
  parent_id: string | null;
  tree_hash: string;
  tree: string;
  author: string;
  message: string;
  created_at: string;
}

export const toCommit = (row: CommitRow): Commit => ({
  id: row.id,
  parentId: row.parent_id,
  treeHash: row.tree_hash,
  tree: JSON.parse(row.tree),
  author: row.author as Author,
  message: row.message,
  createdAt: row.created_at,
});

export interface EventRow {
  seq: number;
  id: string;
  project_id: string;
  agent_id: string | null;
  actor: string;
  kind: string;
  target_type: string;
  target_id: string;
  before: string | null;
  after: string | null;
  created_at: string;
}

export const toEvent = (row: EventRow): EngramEvent => ({
  seq: row.seq,
  id: row.id,
  projectId: row.project_id,
  agentId: row.agent_id,
  actor: row.actor as EngramEvent["actor"],
  kind: row.kind,
  targetType: row.target_type,
  targetId: row.target_id,
  before: row.before === null ? null : JSON.parse(row.before),
  after: row.after === null ? null : JSON.parse(row.after),
  createdAt: row.created_at,
});
