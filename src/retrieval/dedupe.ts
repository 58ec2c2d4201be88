import { tokenize } from "./query-terms.ts";

/** Jaccard similarity of two token sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const token of a) if (b.has(token)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * Keeps items in order, dropping each one whose words overlap an already kept item's by at least
 * `threshold` (Jaccard), so the top k is not several copies of one fact. Returns the kept items and,
 * for each dropped one, the item it duplicated.
 */
export function suppressNearDuplicates<T>(
  items: readonly T[],
  textOf: (item: T) => string,
  threshold: number,
  limit: number,
): { kept: T[]; dropped: { item: T; duplicateOf: T }[] } {
  const kept: { item: T; tokens: Set<string> }[] = [];
  const dropped: { item: T; duplicateOf: T }[] = [];
  for (const item of items) {
    if (kept.length >= limit) break;
    const tokens = new Set(tokenize(textOf(item)));
    const twin = threshold <= 1 ? kept.find((k) => jaccard(k.tokens, tokens) >= threshold) : undefined;
    if (twin === undefined) kept.push({ item, tokens });
    else dropped.push({ item, duplicateOf: twin.item });
  }
  return { kept: kept.map((k) => k.item), dropped };
}
