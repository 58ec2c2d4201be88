import type { Author } from "./types.ts";

/**
 * A block owned by a project (`blk_…`), attached to any number of its agents. Each attached agent
 * carries it in its own tree (entries name it by `sharedId`); an edit through one agent commits on
 * every attached agent's default branch.
 */
export interface SharedBlock {
  id: string;
  projectId: string;
  label: string;
  value: string;
  description: string;
  limit: number;
  /** The block's own setting: no agent may change it, whatever its attachment says. */
  readOnly: boolean;
  /** Moves on every edit, attach and detach: what an edit's compare-and-swap checks. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** That an agent carries a shared block, under its label, read-write or read-only for that agent. */
export interface BlockAttachment {
  blockId: string;
  agentId: string;
  label: string;
  /** The attachment's setting: this agent may not change the block (others may). */
  readOnly: boolean;
  createdAt: string;
}

/** One edit of a shared block: the agent it was made through and the commit it made on each agent. */
export interface SharedBlockEdit {
  /** Order of the edits of all blocks (a cursor for paging). */
  seq: number;
  blockId: string;
  /** The agent the edit was made through. */
  agentId: string;
  author: Author;
  message: string;
  valueHash: string;
  createdAt: string;
  /** The commit written on each attached agent's default branch, the editing agent's first. */
  commits: { agentId: string; commitId: string }[];
}
