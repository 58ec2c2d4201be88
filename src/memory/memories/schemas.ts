import { z } from "zod";
import { instantProblem, parseInstant } from "../../core/clock.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { memoryFilterSchema } from "../../core/filter/filter-parse.ts";
import { MAX_USER_ID } from "../../core/input-limits.ts";
import { jsonObject } from "../../core/json-object.ts";
import { nullAsAbsent } from "../../core/null-as-absent.ts";

/** Longest memory text accepted, in characters. */
export const MAX_MEMORY_CHARS = 8000;
/** Most memories one batch may add. */
export const MAX_BATCH = 1000;

/**
 * An ISO 8601 date-time with any offset, or a date alone (the start of that day in UTC), normalised
 * to UTC (`…Z`) so stored times compare as instants.
 */
export const isoTime = z.string().transform((value, context) => {
  const instant = parseInstant(value);
  if (instant === undefined) context.addIssue({ code: "custom", message: instantProblem(value) });
  return instant ?? z.NEVER;
});

/** Whether a validity period is in order: a fact stops being true no earlier than it starts. */
export function validityInOrder(
  validFrom: string | null | undefined,
  validTo: string | null | undefined,
): boolean {
  return validFrom == null || validTo == null || Date.parse(validTo) >= Date.parse(validFrom);
}

/**
 * Refuses an empty span of creation times: `before` (exclusive) must come after `after` (inclusive),
 * or nothing could be found and the caller would not learn why. Reported on `before`, for `label`
 * ("search"). Both are normalised UTC times (`isoTime`), which compare as text.
 */
export function checkSpan(
  label: string,
  [afterKey, after]: [string, string | undefined],
  [beforeKey, before]: [string, string | undefined],
): void {
  if (after === undefined || before === undefined || before > after) return;
  throw new InvalidInputError(
    `invalid ${label}: ${beforeKey}: must be later than ${afterKey} (${after}): no time is at or after one and before the other`,
  );
}

export const memoryKind = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,31}$/,
    "must be a lower-case word such as fact, observation, summary, note or insight",
  );

/** A fact's key: lower-case dotted segments such as `user.city` (what the fact is about). */
export const memoryKey = z
  .string()
  .max(200, "must be at most 200 characters")
  .regex(
    /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/,
    "must be lower-case dotted segments such as user.city (letters, digits and _, each segment starting with a letter)",
  );

export const memoryTag = z.string().trim().min(1, "must not be empty").max(64);
export const memoryUserId = z.string().min(1, "must not be empty").max(MAX_USER_ID);

export const provenanceInput = z.strictObject({
  messageIds: z.array(z.string().min(1).max(256)).max(1000).default([]),
  externalIds: z.array(z.string().min(1).max(256)).max(1000).default([]),
});

/** Shared with import, which holds an exported memory to the rules of a live one. */
export const memoryText = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_MEMORY_CHARS, `must be at most ${MAX_MEMORY_CHARS} characters`);

export const memoryTags = z.array(memoryTag).max(32);
export const importance = z.number().min(0).max(1);

export const memoryInput = z.strictObject({
  text: memoryText,
  kind: memoryKind.default("fact"),
  tags: memoryTags.default([]),
  importance: importance.default(0.5),
  // The fields a memory reads back as null take null as not given, so a memory read can be sent back.
  userId: nullAsAbsent(memoryUserId),
  validFrom: nullAsAbsent(isoTime),
  validTo: nullAsAbsent(isoTime),
  /**
   * What the fact is about (`user.city`): a new fact with the key closes the open one of the same
   * key and user (see docs/retrieval.md).
   */
  key: nullAsAbsent(memoryKey),
  provenance: provenanceInput.optional(),
  metadata: jsonObject.default({}),
  /** When the memory was formed, for backfills; defaults to now. */
  createdAt: isoTime.optional(),
  /**
   * Whose memory it is: the agent's (default) or the project's, found by every agent of the project
   * (see docs/retrieval.md, "Project memory").
   */
  scope: z.enum(["agent", "project"]).optional(),
});
export type MemoryInput = z.input<typeof memoryInput>;

export const memoryPatch = z.strictObject({
  text: memoryText.optional(),
  kind: memoryKind.optional(),
  tags: memoryTags.optional(),
  importance: importance.optional(),
  /** null clears it: when the fact became true is not known. */
  validFrom: isoTime.nullable().optional(),
  /** null clears it: the fact holds again (reopened). */
  validTo: isoTime.nullable().optional(),
  provenance: provenanceInput.optional(),
  metadata: jsonObject.optional(),
  /** The version the change was computed from; a different current version is a conflict. */
  expectedVersion: z.number().int().min(1).optional(),
});
export type MemoryPatch = z.input<typeof memoryPatch>;

export const memoryListInput = z.strictObject({
  userId: memoryUserId.optional(),
  includeShared: z.boolean().optional(),
  kinds: z.array(memoryKind).max(20).optional(),
  tags: memoryTags.optional(),
  createdAfter: isoTime.optional(),
  createdBefore: isoTime.optional(),
  validAt: isoTime.optional(),
  /** Archived memories: left out (default), listed with the rest (`include`), or alone (`only`). */
  archived: z.enum(["exclude", "include", "only"]).optional(),
  /** The agent's own memories (default), or its project's (see docs/retrieval.md, "Project memory"). */
  scope: z.enum(["agent", "project"]).optional(),
  /**
   * A metadata filter (docs/filters.md), e.g. `{"metadata.topic": "billing"}`. A condition on
   * validFrom or validTo takes the place of `validAt`: give one or the other.
   */
  filter: memoryFilterSchema.optional(),
  /** Oldest first (the first written first) instead of newest first; a cursor pages on in the same order. */
  oldestFirst: z.boolean().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});
export type MemoryListInput = z.input<typeof memoryListInput>;
