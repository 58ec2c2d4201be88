import type { Page } from "../core/types.ts";
import { notACursor, PAGE_DEFAULT } from "../memory/pagination.ts";

type SortKey = readonly (string | number)[];

/**
 * Pages a list the engine hands over whole because it is small and bounded (branches, experience
 * records, insights, a memory's versions), so that every list of the API pages the same way: in
 * ascending order of `keyOf` (negate a number to sort it descending), a key unique to the item that
 * does not change while it lives. The cursor is the key of the last item sent, so a page boundary
 * holds when items come, go or change in between; it names `list`, so another list's is refused.
 */
export function pageList<T>(
  list: string,
  items: readonly T[],
  query: { cursor?: string | undefined; limit?: number | undefined },
  keyOf: (item: T) => SortKey,
): Page<T> {
  const limit = query.limit ?? PAGE_DEFAULT;
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  let start = 0;
  if (query.cursor !== undefined) {
    const after = decodeCursor(list, query.cursor);
    start = sorted.findIndex((item) => compareKeys(keyOf(item), after) > 0);
    if (start === -1) start = sorted.length;
  }
  const page = sorted.slice(start, start + limit);
  const last = page.at(-1);
  const more = start + limit < sorted.length && last !== undefined;
  return { items: page, nextCursor: more ? encodeCursor(list, keyOf(last)) : null };
}

function encodeCursor(list: string, key: SortKey): string {
  return Buffer.from(JSON.stringify([list, ...key])).toString("base64url");
}

function decodeCursor(list: string, cursor: string): SortKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length < 2 ||
    decoded[0] !== list ||
    !decoded.every((part) => typeof part === "string" || (typeof part === "number" && Number.isFinite(part)))
  ) {
    throw notACursor("query");
  }
  return decoded.slice(1);
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
