import type { CopiedCounts } from "../transfer/copy-database.ts";

/** A count with its noun, singular for one: `plural(1, "memory", "memories")` is `1 memory`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What an agent carries, as an export or a copy counts it: `2 commits, 1 memory, 0 messages, …`. */
export function agentCountsText(counts: CopiedCounts): string {
  return [
    plural(counts.commits, "commit"),
    plural(counts.memories, "memory", "memories"),
    plural(counts.messages, "message"),
    plural(counts.episodes, "episode"),
    plural(counts.experienceRecords, "experience record"),
    plural(counts.insights, "insight"),
  ].join(", ");
}
