import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { componentsOf, type LearnedContext } from "./learned-context.ts";
import type { Task } from "./task-set.ts";

/** The component name that stands for "refresh the exemplars block". */
export const EXEMPLARS_COMPONENT = "exemplars";

/** The fields of an evolution run's settings (every field but `rounds` has a default). */
export const evolveSettingsObject = z.strictObject({
  rounds: z.number().int().min(1, "must be at least 1").max(1000, "must be at most 1000"),
  seed: z
    .number()
    .int()
    .min(0, "must be at least 0")
    .max(2 ** 31 - 1, "must be below 2^31")
    .default(1),
  tolerance: z.number().min(0, "must be at least 0").max(1, "must be at most 1").default(0),
  holdout: z.number().gt(0, "must be above 0").lt(1, "must be below 1").default(0.3),
  validation: z.number().gt(0, "must be above 0").lt(1, "must be below 1").default(0.3),
  minibatch: z.number().int().min(1, "must be at least 1").max(100, "must be at most 100").default(3),
  poolSize: z.number().int().min(1, "must be at least 1").max(100, "must be at most 100").default(6),
  components: z.array(z.string().min(1)).min(1, "must name at least one component").max(100).optional(),
  exemplars: z.number().int().min(0, "must be at least 0").max(20, "must be at most 20").default(0),
  mergeEvery: z.number().int().min(0, "must be at least 0").max(1000).default(0),
  concurrency: z.number().int().min(1, "must be at least 1").max(32, "must be at most 32").default(4),
  branch: z.string().min(1, "must not be empty").max(100).optional(),
  objective: z
    .strictObject({
      text: z.string().trim().min(1, "must not be empty").max(5000),
      count: z.number().int().min(1).max(100).default(5),
      samples: z.number().int().min(2, "must be at least 2").max(10).default(3),
      agreement: z.number().gt(0).max(1).default(0.67),
    })
    .optional(),
});

/** Settings of an evolution run, as given, checked together. */
export const evolveSettings = evolveSettingsObject.refine((s) => s.holdout + s.validation < 1, {
  message: "holdout and validation together must leave tasks for training (their sum must be below 1)",
  path: ["validation"],
});

export type EvolveSettings = z.input<typeof evolveSettings>;

/** What a run records as its config: the settings resolved, the components chosen, and the tasks. */
export interface RunConfig {
  rounds: number;
  tolerance: number;
  holdout: number;
  validation: number;
  minibatch: number;
  poolSize: number;
  components: string[];
  exemplars: number;
  mergeEvery: number;
  concurrency: number;
  objective: { text: string; count: number; samples: number; agreement: number } | null;
  /** The model the run was started with, as `provider:model`, or a note that an object was given. */
  model: string;
  /** Where the tasks came from (a file name), when known. */
  source: string | null;
  tasks: Task[];
}

/**
 * The components a run rewrites, in round-robin order: those named (checked against the context),
 * else every writable one, plus `exemplars` when exemplars are wanted.
 * @throws InvalidInputError naming a component the context does not have.
 */
export function resolveComponents(
  named: readonly string[] | undefined,
  context: LearnedContext,
  exemplars: number,
): string[] {
  const available = componentsOf(context);
  if (named === undefined) return exemplars > 0 ? [...available, EXEMPLARS_COMPONENT] : available;
  const seen = new Set<string>();
  for (const component of named) {
    const known = available.includes(component) || (component === EXEMPLARS_COMPONENT && exemplars > 0);
    if (!known) {
      const readOnly = context.blocks.some((b) => `block:${b.label}` === component && b.readOnly);
      const hint =
        component === EXEMPLARS_COMPONENT
          ? "exemplars needs exemplars above 0"
          : readOnly
            ? "the block is read-only"
            : `known: ${[...available, ...(exemplars > 0 ? [EXEMPLARS_COMPONENT] : [])].join(", ")}`;
      throw new InvalidInputError(
        `invalid evolution settings: components: unknown component "${component}" (${hint})`,
      );
    }
    if (seen.has(component))
      throw new InvalidInputError(`invalid evolution settings: components: "${component}" appears twice`);
    seen.add(component);
  }
  return [...named];
}
