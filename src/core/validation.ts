import type { z } from "zod";
import { InvalidInputError } from "./errors.ts";
import { checkInput } from "./input-limits.ts";

/**
 * Parses `input` with `schema`, turning the first problems into one InvalidInputError that names
 * each field, e.g. `invalid agent: name: must not be empty`. Every string and key of the input must
 * be well-formed Unicode (no lone surrogate) and the input no deeper than MAX_INPUT_DEPTH, whatever
 * the schema says: what is stored is then exactly what was given (and hashed).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    // After the schema, whose own messages (e.g. a metadata field's depth limit) are the more precise.
    checkInput(input, what);
    return result.data;
  }
  const issues = result.error.issues.map(plainIssue);
  throw new InvalidInputError(`invalid ${what}: ${describeIssues(issues)}`, {
    details: { issues: issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })) },
  });
}

/**
 * zod says "Invalid input: expected string, received undefined" where a person says "required"; and a
 * union none of whose shapes fit is a bare "Invalid input". When the value has the type of exactly one
 * of the shapes (an object where a name or an object may go), the problem is that shape's: its first
 * issue, at its own path (`members.1.responder: must be one of simple, reactive`).
 */
export function plainIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined"))
    return { ...issue, message: `required (${issue.expected})` };
  if (issue.code === "invalid_union") {
    const fitting = issue.errors.filter(
      (branch) => !branch.some((inner) => inner.code === "invalid_type" && inner.path.length === 0),
    );
    const first = fitting.length === 1 ? fitting[0]?.[0] : undefined;
    if (first !== undefined) return plainIssue({ ...first, path: [...issue.path, ...first.path] });
  }
  return issue;
}

/** The first few issues as one line, each prefixed by the path of the field it is about. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const { message, path } = plainIssue(issue);
      return path.length > 0 ? `${path.join(".")}: ${message}` : message;
    })
    .join("; ");
}

/** Counts user-perceived characters the way block limits do: by Unicode code point. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
