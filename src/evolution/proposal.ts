import type { LanguageModel } from "ai";
import { EngramError } from "../core/errors.ts";
import type { Random } from "../environments/random.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import { diffContexts, type LearnedContext, withComponent } from "./learned-context.ts";
import { mergeContexts, parseRevision, reflectionPrompt, type Trace, withExemplars } from "./reflection.ts";
import { EXEMPLARS_COMPONENT, type RunConfig } from "./run-config.ts";

/** A child context, or why none was made. */
export type Proposal = { context: LearnedContext; reason: null } | { context: null; reason: string };

/** Sampling temperature of reflection: some variety between rounds, reproducible through the seed. */
export const REFLECTION_TEMPERATURE = 0.7;

const none = (reason: string): Proposal => ({ context: null, reason });

/**
 * A mutation of `parent` on one component: the exemplars block refreshed from passed attempts, or a
 * reflective rewrite of the component by the model from the traces (GEPA).
 */
export async function mutate(
  model: LanguageModel,
  parent: LearnedContext,
  component: string,
  traces: readonly Trace[],
  options: { seed: number; exemplars: number },
): Promise<Proposal> {
  if (component === EXEMPLARS_COMPONENT) {
    let context: LearnedContext | null;
    try {
      context = withExemplars(parent, traces, options.exemplars);
    } catch (error) {
      // Examples longer than the exemplars block's limit: this round has no child, the run goes on.
      if (EngramError.isInstance(error)) return none(`the exemplars do not fit: ${error.message}`);
      throw error;
    }
    return context === null
      ? none("no training attempt passed: there are no exemplars to take")
      : changedFrom(parent, context);
  }
  if (traces.every((t) => t.attempt.passed))
    return none("the parent passed every minibatch task: there is nothing to reflect on");
  let answer: string;
  try {
    ({ text: answer } = await aiSdk().generateText({
      model,
      prompt: reflectionPrompt(parent, component, traces),
      temperature: REFLECTION_TEMPERATURE,
      seed: options.seed,
      maxRetries: 2,
    }));
  } catch (error) {
    throw new EngramError("unavailable", `reflection failed: ${(error as Error).message}`, { cause: error });
  }
  const revision = parseRevision(answer);
  if (revision === "") return none("the model proposed an empty text");
  let context: LearnedContext;
  try {
    context = withComponent(parent, component, revision);
  } catch (error) {
    if (EngramError.isInstance(error)) return none(`the proposed text is invalid: ${error.message}`);
    throw error;
  }
  return changedFrom(parent, context);
}

/** GEPA's merge of two pool members, against the run's seed context. */
export function merge(seed: LearnedContext, a: LearnedContext, b: LearnedContext): Proposal {
  const context = mergeContexts(seed, a, b);
  return context === null ? none("the merge equals one of its parents") : { context, reason: null };
}

function changedFrom(parent: LearnedContext, child: LearnedContext): Proposal {
  return diffContexts(parent, child).length === 0
    ? none("the proposal changes nothing")
    : { context: child, reason: null };
}

/** What a round makes: its operation, the component it changes, the parents, and the child (or why none). */
export interface RoundPlan {
  operation: "reflect" | "exemplars" | "merge";
  component: string | null;
  parentIds: string[];
  proposal: Proposal;
}

/**
 * The round's child: every `mergeEvery`-th round a merge of the parent with another member of the
 * Pareto front (drawn with `random`), else a mutation of the next component in round-robin order.
 */
export async function planRound(input: {
  round: number;
  config: Pick<RunConfig, "components" | "mergeEvery" | "exemplars">;
  model: LanguageModel;
  reflectionSeed: number;
  parent: { id: string; context: LearnedContext };
  traces: readonly Trace[];
  front: readonly { id: string; context: LearnedContext }[];
  seedContext: LearnedContext;
  random: Random;
}): Promise<RoundPlan> {
  const { round, config, parent, random } = input;
  if (config.mergeEvery > 0 && round % config.mergeEvery === 0) {
    const others = input.front.filter((f) => f.id !== parent.id);
    const other = others[random.integer(Math.max(1, others.length))];
    if (other === undefined) {
      const proposal = none("the Pareto front holds one candidate: there is nothing to merge");
      return { operation: "merge", component: null, parentIds: [parent.id], proposal };
    }
    const proposal = merge(input.seedContext, parent.context, other.context);
    return { operation: "merge", component: null, parentIds: [parent.id, other.id], proposal };
  }
  const component = config.components[(round - 1) % config.components.length] as string;
  const proposal = await mutate(input.model, parent.context, component, input.traces, {
    seed: input.reflectionSeed,
    exemplars: config.exemplars,
  });
  return {
    operation: component === EXEMPLARS_COMPONENT ? "exemplars" : "reflect",
    component,
    parentIds: [parent.id],
    proposal,
  };
}
