import type { JsonObject } from "../core/types.ts";
import type { JobRun } from "./job-run.ts";

/**
 * The result of the agent's latest finished successful job of the same kind, or null before the
 * first. Jobs are listed by creation; a retried older job may have finished after a newer one, so the
 * latest to finish among the recent ones wins.
 */
export async function lastResult(run: JobRun): Promise<JsonObject | null> {
  const recent = await run.ctx.store.jobs.list(
    { agentId: run.agent.id, kinds: [run.job.kind], statuses: ["succeeded"] },
    { limit: 20 },
  );
  let last: (typeof recent)[number] | undefined;
  for (const job of recent)
    if (last === undefined || (job.finishedAt ?? "") > (last.finishedAt ?? "")) last = job;
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
