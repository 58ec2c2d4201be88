import { InvalidInputError } from "../../core/errors.ts";

/** An event kind (`memory.created`), a family of kinds (`memory.*`), or every kind (`*`). */
const KIND_PATTERN = /^(\*|[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*(\.\*)?)$/;

/** Most kind patterns one follower or webhook may name. */
export const MAX_KIND_PATTERNS = 50;

/**
 * Checks kind patterns and returns a test for an event's kind: true for any kind when there are none.
 * @throws InvalidInputError naming `field` for a pattern that is not a kind, `family.*` or `*`
 */
export function kindMatcher(
  patterns: readonly string[] | undefined,
  field: string,
): (kind: string) => boolean {
  if (patterns === undefined || patterns.length === 0) return () => true;
  if (patterns.length > MAX_KIND_PATTERNS)
    throw new InvalidInputError(`invalid ${field}: at most ${MAX_KIND_PATTERNS} kinds`);
  for (const [i, pattern] of patterns.entries()) {
    if (typeof pattern !== "string" || !KIND_PATTERN.test(pattern))
      throw new InvalidInputError(
        `invalid ${field}: ${i}: must be an event kind (memory.created), a family (memory.*) or *`,
      );
  }
  if (patterns.includes("*")) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith(".*")));
  const prefixes = patterns.filter((p) => p.endsWith(".*")).map((p) => p.slice(0, -1));
  return (kind) => exact.has(kind) || prefixes.some((prefix) => kind.startsWith(prefix));
}

/** The exact kinds to ask the store for, or undefined when a pattern is a family (matched in memory). */
export function exactKinds(patterns: readonly string[] | undefined): string[] | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  return patterns.some((p) => p.endsWith("*")) ? undefined : [...patterns];
}
