import { z } from "zod";
import { jsonObject } from "../core/json-object.ts";
import { parseInput } from "../core/validation.ts";

const text = (max: number) =>
  z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
const finite = z
  .number({ error: "must be a finite number" })
  .refine(Number.isFinite, "must be a finite number");

/** Shared with import, which holds exported episodes to the rules of live ones. */
export const taskText = text(5_000);
export const observationText = text(20_000);
export const MAX_STEPS = 10_000;

/** A step's fields as recorded; its action must be one of its actions (`actionIsAvailable`). */
export const stepFields = {
  observation: observationText,
  availableActions: z.array(text(500)).min(1, "must list at least one action").max(1000),
  action: text(500),
  reward: finite,
};

/** A step schema with the check its fields alone cannot make: the action is one of the actions. */
export function withAvailableAction<S extends z.ZodType<{ action: string; availableActions: string[] }>>(
  step: S,
): S {
  return step.refine((s) => s.availableActions.includes(s.action), {
    message: "must be one of availableActions",
    path: ["action"],
  });
}

export const stepInput = withAvailableAction(z.strictObject(stepFields));
export type StepInput = z.input<typeof stepInput>;

export const startEpisodeInput = z.strictObject({
  task: taskText,
  metadata: jsonObject.default({}),
});

export const finishEpisodeInput = z.strictObject({
  finalObservation: observationText.optional(),
  /** Ended by a time limit rather than the task: what followed the last step is `finalObservation`. */
  truncated: z.boolean().optional(),
  success: z.boolean().optional(),
});

export const episodeInput = z.strictObject({
  task: taskText,
  steps: z.array(stepInput).min(1, "must hold at least one step").max(MAX_STEPS),
  finalObservation: observationText.optional(),
  truncated: z.boolean().optional(),
  success: z.boolean().optional(),
  metadata: jsonObject.default({}),
});
export type EpisodeInput = z.input<typeof episodeInput>;

export const adviceInput = z.strictObject({
  task: taskText,
  observation: observationText,
  availableActions: z.array(text(500)).max(1000).optional(),
  k: z.number().int().min(1).max(50).default(3),
  exploration: z.enum(["least-tried", "first-untried", "none"]).default("least-tried"),
});
export type AdviceInput = z.input<typeof adviceInput>;

const similarityFunction = z.custom<(a: string, b: string) => number>((f) => typeof f === "function", {
  message: "must be a function (a, b) → [0, 1]",
});

export const experienceOptionsInput = z.strictObject({
  gamma: z.number().min(0).max(1).optional(),
  nStep: z.number().int().min(1).max(100).optional(),
  updateMode: z.enum(["mean", "const"]).optional(),
  alpha: z.number().gt(0).max(1).optional(),
  capacity: z.number().int().min(1).max(100_000).optional(),
  actionCapacity: z.number().int().min(1).max(1000).optional(),
  planningPasses: z.number().int().min(0).max(100).optional(),
  taskWeight: z.number().min(0).max(1).optional(),
  taskSimilarity: similarityFunction.optional(),
  observationSimilarity: similarityFunction.optional(),
});
export type ExperienceOptionsInput = z.input<typeof experienceOptionsInput>;

/**
 * The experience settings an engine is created with, checked: a γ of NaN, an α of 5 or a misspelt
 * `updateMode` would otherwise be learned from silently (and a NaN Q-value makes the agent's export
 * unreadable). Fields given as `undefined` take their defaults.
 * @throws InvalidInputError naming the field.
 */
export function checkExperienceOptions(options: ExperienceOptionsInput = {}): ExperienceOptionsInput {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return parseInput(experienceOptionsInput, given, "experience options");
}
