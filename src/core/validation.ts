import type { z } from "zod";
import { InvalidInputError } from "./errors.ts";

/**
 * Parses `input` with `schema`, turning the first problems into one InvalidInputError that names
 * each field, e.g. `invalid agent: name: must not be empty`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(`invalid ${what}: ${describeIssues(result.error.issues)}`, {
    details: {
      issues: result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    },
  });
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const message = issue.message.replace(
        /^Invalid input: expected (\w+), received undefined$/,
        "required ($1)",
      );
      return issue.path.length > 0 ? `${issue.path.join(".")}: ${message}` : message;
    })
    .join("; ");
}

/** Counts user-perceived characters the way block limits do: by Unicode code point. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
