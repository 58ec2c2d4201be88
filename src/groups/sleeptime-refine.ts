import type { Agent } from "../core/types.ts";
import type { SleeptimeService } from "../sleeptime/sleeptime-service.ts";

/**
 * A sleeptime group's refinement after the primary's turn: the sleep-time `rethink` job rewrites the
 * primary's writable blocks to take in what it learned, as one commit authored `sleeptime`.
 */
export async function refineInBackground(sleeptime: SleeptimeService, primary: Agent, _background: Agent) {
  return sleeptime.run(primary.id, { jobs: ["rethink"] });
}
