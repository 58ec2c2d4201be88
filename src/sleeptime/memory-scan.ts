import type { Memory } from "../core/types.ts";
import { startOf } from "../memory/memories/keyed-facts.ts";
import type { JobRun } from "./job-run.ts";

const PAGE = 500;

/** The agent's memories that are not archived, newest first, at most `max`. */
export async function activeMemories(run: JobRun, max: number): Promise<Memory[]> {
  const out: Memory[] = [];
  let after: string | undefined;
  while (out.length < max) {
    const page = await run.ctx.store.memories.list(
      { agentId: run.agent.id, archived: "exclude" },
      { after, limit: Math.min(PAGE, max - out.length) },
    );
    out.push(...page);
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) break;
    after = last.id;
  }
  return out;
}

/** Whether a fact still holds at `now`: its validity has not been closed before then. */
export function isCurrent(memory: Memory, now: number): boolean {
  return memory.archivedAt === null && (memory.validTo === null || Date.parse(memory.validTo) > now);
}

/** Memories grouped by the end user they belong to (`""` for the agent's own), keys sorted. */
export function byScope(memories: readonly Memory[]): [string, Memory[]][] {
  const groups = new Map<string, Memory[]>();
  for (const memory of memories) {
    const key = memory.userId ?? "";
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [memory]);
    else group.push(memory);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Older first by when the fact began, then by id. */
export function compareAge(a: Memory, b: Memory): number {
  const x = startOf(a);
  const y = startOf(b);
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export { startOf };
