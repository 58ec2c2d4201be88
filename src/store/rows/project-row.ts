import type { Project } from "../../core/types.ts";

/** A `projects` row, as both backends store it. */
export interface ProjectRow {
  id: string;
  name: string;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  metadata: JSON.parse(row.metadata),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
