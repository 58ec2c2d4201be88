import { InvalidInputError } from "../core/errors.ts";
import type { Page } from "../core/types.ts";
import { PAGE_DEFAULT } from "../memory/pagination.ts";

type SortKey = readonly (string | number)[];

/**
 * Pages a list the engine hands over whole because it is small and bounded (branches, experience
 * records, insights, a memory's versions), so that every list of the API pages the same way. The
 * list must be sorted ascending by `keyOf` (negate a number to sort it descending); the cursor is
 * the key of the last item sent, so a page boundary holds when items come or go in between.
 */
export function pageList<T>(
  items: readonly T[],
  query: { cursor?: string | undefined; limit?: number | undefined },
  keyOf: (item: T) => SortKey,
): Page<T> {
  const limit = query.limit ?? PAGE_DEFAULT;
  let start = 0;
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    start = items.findIndex((item) => compareKeys(keyOf(item), after) > 0);
    if (start === -1) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const last = page.at(-1);
  const more = start + limit < items.length && last !== undefined;
  return { items: page, nextCursor: more ? encodeCursor(keyOf(last)) : null };
}

function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function decodeCursor(cursor: string): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  if (
    !Array.isArray(key) ||
    key.length === 0 ||
    !key.every((part) => typeof part === "string" || (typeof part === "number" && Number.isFinite(part)))
  ) {
    throw new InvalidInputError("invalid query: cursor: not a cursor from this list");
  }
  return key;
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
