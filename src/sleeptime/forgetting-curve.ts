import type { Memory } from "../core/types.ts";
import type { ForgetOptions } from "./options.ts";

const DAY_MS = 86_400_000;

/** Where a memory stands on its forgetting curve at one instant. */
export interface Retention {
  /** R = e^(−t/S), from 1 (just formed or recalled) towards 0. */
  retention: number;
  /** Days since the memory was last recalled (or formed, if never). */
  elapsedDays: number;
  /** S in days: how slowly this memory fades. */
  strengthDays: number;
}

/**
 * MemoryBank's forgetting curve (after Ebbinghaus): R = e^(−t/S), where t is the time since the last
 * recall (or since the memory was formed) and S is its strength. Here S = baseStrengthDays ×
 * (1 + importanceWeight × importance) × (1 + recallGain × accessCount): important memories fade more
 * slowly, and each recall (a search that returned it) both resets t and makes S grow.
 */
export function retentionOf(memory: Memory, now: number, options: ForgetOptions): Retention {
  const since = Date.parse(memory.lastAccessedAt ?? memory.createdAt);
  const elapsedDays = Math.max(0, now - since) / DAY_MS;
  const strengthDays =
    options.baseStrengthDays *
    (1 + options.importanceWeight * memory.importance) *
    (1 + options.recallGain * memory.accessCount);
  return { retention: Math.exp(-elapsedDays / strengthDays), elapsedDays, strengthDays };
}

/** Whether forgetting archives this memory now: retention below the threshold, and not kept for importance. */
export function isForgotten(memory: Memory, now: number, options: ForgetOptions): Retention | null {
  if (memory.archivedAt !== null || memory.importance >= options.keepImportance) return null;
  const retention = retentionOf(memory, now, options);
  return retention.retention < options.threshold ? retention : null;
}
