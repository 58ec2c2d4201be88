import { ConflictError } from "../core/errors.ts";
import type { EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import type { NewEvent } from "../core/types.ts";
import type { AppendCommit, InsightChanges, InstructionsChange, Store } from "../store/store.ts";

/**
 * An accepted candidate's changes to the agent's learned context, written with the run's record of
 * it. Each part applies only if what it replaces is as the run read it.
 */
export interface ContextWrite {
  agentId: string;
  /** A block commit; applies only if its branch is still at `expectedHead`. */
  commit: AppendCommit | null;
  /** New instructions; apply only if the agent's are still `expected`. */
  instructions: InstructionsChange | null;
  insights: InsightChanges | null;
}

/**
 * Saves a run's progress in one unit of work: its mutable fields and `candidate`, fenced by
 * `expectedAttempt`, then an accepted candidate's changes to the agent (`context`), then `events`.
 * @throws ConflictError with `details.fenced` when another attempt drives the run, or without it
 * when a part of `context` is stale (the agent changed); nothing at all is written then.
 */
export async function saveRun(
  store: Store,
  input: {
    run: EvolutionRun;
    expectedAttempt: number;
    candidate: EvolutionCandidate | null;
    events: readonly NewEvent[];
    context?: ContextWrite | null | undefined;
  },
): Promise<void> {
  const { run, context } = input;
  // A run changes its own agent only: the unit would otherwise write another agent's learned context.
  if (
    context != null &&
    (context.agentId !== run.agentId || (context.commit?.agentId ?? run.agentId) !== run.agentId)
  )
    throw new ConflictError("the changes are for another agent");
  const work = store.unitOfWork();
  work.evolution.saveRun(run, input.expectedAttempt, input.candidate);
  if (context != null) {
    if (context.commit !== null) work.history.append(context.commit);
    if (context.instructions !== null) work.agents.setInstructions(run.agentId, context.instructions);
    if (context.insights !== null) work.insights.write(run.agentId, context.insights);
  }
  work.events.add(input.events);
  await work.commit();
}
