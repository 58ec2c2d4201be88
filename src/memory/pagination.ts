import { z } from "zod";
import type { Page } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 500;

export const pageSchema = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(PAGE_MAX).optional(),
});

export function pageInput(options: { cursor?: string | undefined; limit?: number | undefined }): {
  cursor: string | undefined;
  limit: number;
} {
  const parsed = parseInput(pageSchema, dropUndefined(options), "page");
  return { cursor: parsed.cursor, limit: parsed.limit ?? PAGE_DEFAULT };
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
