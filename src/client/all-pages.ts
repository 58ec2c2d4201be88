import type { Page } from "../core/types.ts";

/**
 * Every item of a paged HTTP list, for the library methods that return an array (branches, a
 * memory's versions, experience records, insights): the client returns what the library does.
 */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
