import type { Agent, Memory } from "../core/types.ts";

/** A fact a model may decide about on write: unkeyed (keyed facts are closed when written) and open. */
export function isUndecidedFact(memory: Memory): boolean {
  return (
    memory.kind === "fact" && memory.key === null && memory.validTo === null && memory.archivedAt === null
  );
}

/**
 * The per-agent switch: `metadata.sleeptime.decideOnWrite: false` turns off the decision on write
 * for one agent (anything else leaves it on).
 */
export function decidesOnWrite(agent: Agent): boolean {
  const settings = agent.metadata.sleeptime;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) return true;
  return (settings as Record<string, unknown>).decideOnWrite !== false;
}
