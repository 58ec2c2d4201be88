import type { Branch } from "../../core/types.ts";

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
