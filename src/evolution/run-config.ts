import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { componentsOf, EXEMPLARS_BLOCK, type LearnedContext } from "./learned-context.ts";
import { minimumDraws } from "./sequential-test.ts";
import type { Task } from "./task-set.ts";

/**
 * The two gates: `sequential` (paired draws on held-out tasks, an anytime-valid test with a stated
 * false-accept risk; the default) and `tolerance` (one score each on the held-out set; accept when
 * the child's falls by no more than the tolerance).
 */
export const GATES = ["sequential", "tolerance"] as const;
export type GateKind = (typeof GATES)[number];

/** Defaults of the sequential gate (see docs/evolution.md for how they were chosen). */
export const GATE_DEFAULTS = { risk: 0.2, minGain: 0.05, budget: 80 } as const;

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
  gate: z.enum(GATES, { error: `must be one of ${GATES.join(", ")}` }).optional(),
  tolerance: z.number().min(0, "must be at least 0").max(1, "must be at most 1").optional(),
  risk: z.number().gt(0, "must be above 0").lt(1, "must be below 1").default(GATE_DEFAULTS.risk),
  minGain: z.number().min(0, "must be at least 0").lt(1, "must be below 1").default(GATE_DEFAULTS.minGain),
  gateBudget: z
    .number()
    .int()
    .min(1, "must be at least 1")
    .max(10_000, "must be at most 10000")
    .default(GATE_DEFAULTS.budget),
  maxRollouts: z.number().int().min(1, "must be at least 1").max(10_000_000).optional(),
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
export const evolveSettings = evolveSettingsObject
  .refine((s) => s.holdout + s.validation < 1, {
    message: "holdout and validation together must leave tasks for training (their sum must be below 1)",
    path: ["validation"],
  })
  .refine((s) => !(s.gate === "sequential" && s.tolerance !== undefined), {
    message: "applies to the tolerance gate only: drop it, or choose gate tolerance",
    path: ["tolerance"],
  })
  .superRefine((s, ctx) => {
    const needed = minimumDraws(s.risk);
    if (gateOf(s) === "sequential" && s.gateBudget < needed)
      ctx.addIssue({
        code: "custom",
        path: ["gateBudget"],
        message: `${s.gateBudget} rollouts cannot decide anything: at risk ${s.risk} accepting takes at least ${needed} paired draws`,
      });
  });

export type EvolveSettings = z.input<typeof evolveSettings>;

/** The gate's settings as a run records them. */
export type GateConfig =
  | { kind: "tolerance"; tolerance: number }
  | { kind: "sequential"; risk: number; minGain: number; budget: number };

/** What a run records as its config: the settings resolved, the components chosen, and the tasks. */
export interface RunConfig {
  rounds: number;
  /** The tolerance rule's allowed fall (kept for runs recorded before the gate was a setting). */
  tolerance: number;
  /** How a candidate is judged against the agent's current context (absent in older runs: tolerance). */
  gate?: GateConfig;
  /** The run ends before a round once it has made this many task attempts (null: no limit). */
  maxRollouts?: number | null;
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

/** The gate settings name: given, else `tolerance` when a tolerance is given, else `sequential`. */
export function gateOf(settings: { gate?: GateKind | undefined; tolerance?: number | undefined }): GateKind {
  return settings.gate ?? (settings.tolerance === undefined ? "sequential" : "tolerance");
}

/** The recorded gate of resolved settings. */
export function gateConfig(settings: {
  gate?: GateKind | undefined;
  tolerance?: number | undefined;
  risk: number;
  minGain: number;
  gateBudget: number;
}): GateConfig {
  return gateOf(settings) === "tolerance"
    ? { kind: "tolerance", tolerance: settings.tolerance ?? 0 }
    : { kind: "sequential", risk: settings.risk, minGain: settings.minGain, budget: settings.gateBudget };
}

/** The gate a recorded config names (runs recorded before there was a choice used the tolerance rule). */
export function recordedGate(config: RunConfig): GateConfig {
  return config.gate ?? { kind: "tolerance", tolerance: config.tolerance };
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
  const wantsExemplars = exemplars > 0 && (named === undefined || named.includes(EXEMPLARS_COMPONENT));
  if (wantsExemplars && context.blocks.some((b) => b.label === EXEMPLARS_BLOCK && b.readOnly))
    throw new InvalidInputError(
      `invalid evolution settings: exemplars: the agent's "${EXEMPLARS_BLOCK}" block is read-only, so the evolver may not write examples to it`,
    );
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
