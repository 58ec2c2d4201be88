import { toIso } from "../core/clock.ts";
import type { Memory } from "../core/types.ts";
import { isForgotten, type Retention } from "./forgetting-curve.ts";
import type { JobRun } from "./job-run.ts";
import { activeMemories } from "./memory-scan.ts";

/** Every active memory an agent may have is looked at. */
const SCAN_ALL = 1_000_000;

/**
 * Forgetting: archives the memories whose retention on MemoryBank's curve has fallen below the
 * threshold, least retained first. Archived memories are kept (history and all) and can be restored;
 * search no longer finds them. Needs no model.
 */
export async function forget(run: JobRun): Promise<void> {
  const options = run.options.forget;
  const now = run.ctx.now();
  const memories = await activeMemories(run, SCAN_ALL);
  run.stats.memories = memories.length;
  const fading: { memory: Memory; retention: Retention }[] = [];
  for (const memory of memories) {
    const retention = isForgotten(memory, now, options);
    if (retention !== null) fading.push({ memory, retention });
  }
  fading.sort(
    (a, b) => a.retention.retention - b.retention.retention || (a.memory.id < b.memory.id ? -1 : 1),
  );
  const chosen = fading.slice(0, options.maxArchived);
  const at = toIso(now);
  for (const { memory, retention } of chosen) {
    const reason = `forgotten: retention ${retention.retention.toFixed(3)} < ${options.threshold} after ${retention.elapsedDays.toFixed(1)} days without recall (strength ${retention.strengthDays.toFixed(1)} days)`;
    run.changes.edit(memory, reason, (m) => ({ ...m, archivedAt: at }));
    run.changes.report.push({
      type: "archived",
      memoryId: memory.id,
      retention: Math.round(retention.retention * 1e6) / 1e6,
      reason,
    });
  }
  if (chosen.length > 0)
    run.note(`archived ${chosen.length} faded memor${chosen.length === 1 ? "y" : "ies"}`);
  if (fading.length > chosen.length)
    run.warnings.push(
      `${fading.length - chosen.length} more faded memories are left for the next run (maxArchived)`,
    );
}
