/** Reciprocal rank fusion constant: how much the top ranks dominate (60 is the usual choice). */
export const RRF_K = 60;

/** `1 / (k + rank)`, rank counted from 1; 0 when the item is absent from the list. */
export function rrf(rank: number | undefined, k = RRF_K): number {
  return rank === undefined ? 0 : 1 / (k + rank);
}

/**
 * Scores within this share of the top score match as well as it: BM25 moves the scores of texts that
 * hold the same words by their lengths alone about that much.
 */
const AS_WELL = 0.8;

/**
 * How well an item matches beside its ranking's best, in [0, 1]: 1 for a score within a fifth of
 * the top score, in proportion below (half of `AS_WELL` times the top: 0.5).
 */
export function matchShare(score: number, topScore: number): number {
  if (!(topScore > 0)) return 1;
  return Math.min(1, Math.max(0, score / (AS_WELL * topScore)));
}

/** Recency in (0, 1]: 1 now, 0.5 after one half-life. */
export function recencyScore(ageMs: number, halfLifeDays: number): number {
  if (halfLifeDays <= 0) return 0;
  const ageDays = Math.max(0, ageMs) / 86_400_000;
  return 0.5 ** (ageDays / halfLifeDays);
}

/** Access in [0, 1): diminishing returns on how often a memory was retrieved before. */
export function accessScore(count: number): number {
  return count <= 0 ? 0 : 1 - 1 / (1 + Math.log1p(count));
}
