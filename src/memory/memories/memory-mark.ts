import type { Memory } from "../../core/types.ts";

/**
 * What sleep-time work records on a memory it changed, under the reserved `metadata.sleeptime` key:
 * the last job and why, and the links it made.
 */
export interface SleeptimeMark {
  job?: string;
  reason?: string;
  /** This memory was archived as a near-duplicate of that one. */
  mergedInto?: string;
  /** Near-duplicates archived into this memory. */
  mergedFrom?: string[];
  /** A newer memory that contradicted this one and closed its validity. */
  supersededBy?: string;
  /** Older memories this one contradicted. */
  supersedes?: string[];
  /** Memories about the same subject. */
  related?: string[];
  /** Memories an insight was derived from. */
  evidence?: string[];
  /**
   * A keyed fact that says again what the fact before it said: since when that has been true (the
   * start of the first fact of the run), as a prompt shows it.
   */
  trueSince?: string;
}

/** The sleep-time mark of a memory (empty when it has none). */
export function markOf(memory: Pick<Memory, "metadata">): SleeptimeMark {
  const mark = memory.metadata.sleeptime;
  return typeof mark === "object" && mark !== null && !Array.isArray(mark) ? (mark as SleeptimeMark) : {};
}

/** The memory with its sleep-time mark changed by `patch`. */
export function withMark(memory: Memory, patch: SleeptimeMark): Memory {
  return { ...memory, metadata: { ...memory.metadata, sleeptime: { ...markOf(memory), ...patch } } };
}

/** The memory without those fields of its sleep-time mark, or as it is when it has none of them. */
export function withoutMark(memory: Memory, ...fields: (keyof SleeptimeMark)[]): Memory {
  const mark: SleeptimeMark = { ...markOf(memory) };
  if (!fields.some((field) => mark[field] !== undefined)) return memory;
  for (const field of fields) delete mark[field];
  const { sleeptime: _, ...metadata } = memory.metadata;
  return {
    ...memory,
    metadata: Object.keys(mark).length === 0 ? metadata : { ...metadata, sleeptime: mark },
  };
}

/** The memory without its `supersededBy` link (for a fact made open again), or as it is. */
export const withoutSupersededBy = (memory: Memory): Memory => withoutMark(memory, "supersededBy");

/** `list` with `items` added, without repeats, sorted. */
export function addIds(list: readonly string[] | undefined, ...items: string[]): string[] {
  return [...new Set([...(list ?? []), ...items])].sort();
}
