import type { Episode, ExperienceRecord, Insight } from "../../core/types.ts";
import type { Sql } from "./pg-database.ts";

/**
 * Writes an imported agent's episodes (with steps), experience records (and experience version) and
 * insights as they are, inside `tx`. @throws ConflictError on an id that exists.
 */
export async function importLearning(
  _tx: Sql,
  _agentId: string,
  _data: {
    episodes: readonly Episode[];
    experience: { version: number; records: readonly ExperienceRecord[] };
    insights: readonly Insight[];
  },
): Promise<void> {
  throw new Error("importLearning is not implemented on PostgreSQL yet");
}
