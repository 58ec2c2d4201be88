import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { type IdKind, isId } from "../core/ids.ts";
import type { Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 500;

/**
 * The longest cursor taken: above the longest any list hands out (a feedback episode's id carries a
 * caller's turn id of up to 200 characters; an entity cursor by mentions, a key of up to 200).
 */
const MAX_CURSOR = 512;

export const pageSchema = z.strictObject({
  cursor: z.string().max(MAX_CURSOR, `must be at most ${MAX_CURSOR} characters`).optional(),
  limit: z.number().int().min(1).max(PAGE_MAX).optional(),
});

/** What a list's cursors are: ids of one kind, or whatever a check accepts. */
export type CursorKind = IdKind | ((cursor: string) => boolean);

/**
 * Checks a page's cursor and limit; with `kind`, a cursor not of that kind is refused rather than
 * taken as a position (a made-up one, or another list's).
 */
export function pageInput(
  options: { cursor?: string | undefined; limit?: number | undefined },
  kind?: CursorKind,
): { cursor: string | undefined; limit: number } {
  const parsed = parseInput(pageSchema, dropUndefined(options), "page");
  if (kind !== undefined) checkCursor(parsed.cursor, kind);
  return { cursor: parsed.cursor, limit: parsed.limit ?? PAGE_DEFAULT };
}

/** The error for a cursor the list did not hand out: a forged one, or another list's. */
export function notACursor(what = "page"): InvalidInputError {
  return new InvalidInputError(`invalid ${what}: cursor: not a cursor from this list`);
}

/** A cursor that is a sequence number (events, a shared block's edits). */
export const isSeqCursor = (cursor: string): boolean => /^\d{1,15}$/.test(cursor);

/**
 * Refuses a cursor not of the list's kind. Only its shape is checked: the id of an item removed since
 * (or another agent's) is still a position, and the list's own filter keeps other rows out.
 */
export function checkCursor(cursor: string | undefined, kind: CursorKind, what = "page"): void {
  if (cursor === undefined) return;
  if (typeof kind === "function" ? !kind(cursor) : !isId(kind, cursor)) throw notACursor(what);
}

/** Turns `limit + 1` fetched rows into a page and the cursor of the next one. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

export function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
