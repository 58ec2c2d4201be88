import type { Branch, Commit } from "../../core/types.ts";
import { type CommitRow, toCommit } from "../sqlite/rows.ts";

/** A `branches` row's readable part, as both backends store it. */
export interface BranchRow {
  name: string;
  commit_id: string;
  updated_at: string;
}

export const toBranch = (row: BranchRow): Branch => ({
  name: row.name,
  head: row.commit_id,
  updatedAt: row.updated_at,
});

/** A commit's columns, read from `commits c`, as both backends select them. */
export const COMMIT_COLUMNS = "c.id, c.parent_id, c.tree_hash, c.tree, c.author, c.message, c.created_at";

/**
 * A branch and its head commit in one read (`?` or `$n` placeholders for the agent and the name):
 * the commit's columns are null when it is missing.
 */
export function headQuery(agent: string, name: string): string {
  return `SELECT b.name, b.commit_id, b.updated_at, ${COMMIT_COLUMNS}
    FROM branches b LEFT JOIN commits c ON c.agent_id = b.agent_id AND c.id = b.commit_id
    WHERE b.agent_id = ${agent} AND b.name = ${name}`;
}

export type HeadRow = BranchRow & { [K in keyof CommitRow]: CommitRow[K] | null };

export const toHead = (row: HeadRow): { branch: Branch; commit: Commit | null } => ({
  branch: toBranch(row),
  commit: row.id === null ? null : toCommit(row as BranchRow & CommitRow),
});
