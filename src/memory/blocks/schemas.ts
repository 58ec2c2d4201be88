import { z } from "zod";
import { AUTHORS } from "../../core/types.ts";

/** Limits that apply to every block. */
export const BLOCK_DEFAULTS = {
  limit: 5000,
  maxLimit: 1_000_000,
  maxDescription: 2000,
} as const;

export const blockLabel = z
  .string()
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/,
    "must be 1-64 letters, digits, '_', '-' or '.', not starting with '-' or '.'",
  );

export const blockLimit = z.number().int().min(1).max(BLOCK_DEFAULTS.maxLimit);

export const author = z.enum(AUTHORS);

export const blockDescription = z.string().max(BLOCK_DEFAULTS.maxDescription);

export const MAX_COMMIT_MESSAGE = 10_000;
export const commitMessage = z.string().max(MAX_COMMIT_MESSAGE);

/** A block given when an agent is created. */
export const blockInput = z.strictObject({
  label: blockLabel,
  value: z.string().default(""),
  description: blockDescription.optional(),
  limit: blockLimit.optional(),
  readOnly: z.boolean().optional(),
});
export type BlockInput = z.input<typeof blockInput>;

/**
 * One change in a commit: set (create or update) a block, delete it, append a line to it, or replace
 * one exact, unique passage of it. Append and replace apply to the head they commit on, so two
 * writers editing different parts of a block never overwrite each other.
 */
export const blockChange = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("set"),
    label: blockLabel,
    value: z.string().optional(),
    description: blockDescription.optional(),
    limit: blockLimit.optional(),
    readOnly: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal("delete"), label: blockLabel }),
  z.strictObject({
    op: z.literal("append"),
    label: blockLabel,
    text: z.string().min(1, "must not be empty"),
  }),
  z.strictObject({
    op: z.literal("replace"),
    label: blockLabel,
    old: z.string().min(1, "must not be empty"),
    new: z.string(),
  }),
]);
export type BlockChange = z.input<typeof blockChange>;

/**
 * The head a write expects: a commit id or a prefix of at least 7 of its digits. An empty or short
 * one is refused as bad input rather than taken as a conflict, so a failed lookup (`--expect ""`)
 * cannot pass for a stale head.
 */
export const expectedHead = z
  .string()
  .regex(/^[0-9a-f]{7,64}$/, "must be a commit id, or a prefix of at least 7 of its hex digits");

export const commitInput = z.strictObject({
  changes: z.array(blockChange).min(1, "must name at least one change").max(1000),
  branch: z.string().optional(),
  expectedHead: expectedHead.optional(),
  author: author.default("user"),
  message: commitMessage.optional(),
});
export type CommitInput = z.input<typeof commitInput>;
