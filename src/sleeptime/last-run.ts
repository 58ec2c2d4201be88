import type { JsonObject } from "../core/types.ts";
import type { JobRun } from "./job-run.ts";

/** The result of the agent's latest successful job of the same kind, or null before the first. */
export async function lastResult(run: JobRun): Promise<JsonObject | null> {
  const [last] = await run.ctx.store.jobs.list(
    { agentId: run.agent.id, kinds: [run.job.kind], statuses: ["succeeded"] },
    { limit: 1 },
  );
  return last?.result ?? null;
}

/** A number field of a previous result, or `fallback`. */
export function numberAt(result: JsonObject | null, path: readonly string[], fallback = 0): number {
  let value: unknown = result;
  for (const key of path) {
    value = typeof value === "object" && value !== null ? (value as JsonObject)[key] : undefined;
  }
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
