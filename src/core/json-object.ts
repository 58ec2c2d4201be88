import { z } from "zod";
import { findInputProblem, MAX_JSON_DEPTH } from "./input-limits.ts";

/**
 * A free-form JSON object such as `metadata`: at most MAX_JSON_DEPTH levels deep (the object itself
 * is the first), with no lone surrogate in any string or key.
 */
export const jsonObject = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = findInputProblem(value, MAX_JSON_DEPTH);
  if (problem === undefined) return;
  // Too deep is a property of the whole field; a bad string is reported where it is.
  const path = problem.kind === "too_deep" ? [] : problem.path;
  ctx.addIssue({ code: "custom", message: problem.message, path });
});

/** Whether a value is a JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
