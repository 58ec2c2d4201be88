import { STOP_WORDS, stem, tokenize } from "../core/text.ts";

/** Stop words that flip a statement's meaning: kept, so "likes tea" and "does not like tea" differ. */
const NEGATIONS: ReadonlySet<string> = new Set(
  `no not nor never cannot don doesn didn isn aren wasn weren won wouldn couldn shouldn hasn haven hadn mustn shan`.split(
    " ",
  ),
);

/** The terms two memories are compared by: stemmed words without stop words, negations kept. */
export function similarityTerms(text: string): Set<string> {
  const out = new Set<string>();
  for (const token of tokenize(text)) {
    if (token.length > 64) continue;
    if (NEGATIONS.has(token)) out.add("not");
    else if (!STOP_WORDS.has(token)) out.add(stem(token));
  }
  return out;
}

/** Jaccard similarity of two term sets (0 when both are empty: nothing to compare). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Whether each side has a number the other lacks ("at 3" against "at 4"): a changed detail, not a rewording. */
export function numbersDiffer(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const only = (x: ReadonlySet<string>, y: ReadonlySet<string>) =>
    [...x].some((t) => /\d/.test(t) && !y.has(t));
  return only(a, b) && only(b, a);
}

export interface SimilarPair {
  /** Indexes into the sets given, `a < b`. */
  a: number;
  b: number;
  similarity: number;
}

/**
 * Every pair of sets whose Jaccard similarity is at least `threshold`, most similar first. Uses
 * prefix filtering (Bayardo et al., "Scaling up all pairs similarity search"): with each set's terms
 * ordered rarest first, two sets that reach the threshold must share a term among the first
 * |s| − ⌈t·|s|⌉ + 1 of either, so only sets sharing such a term are compared.
 */
export function similarPairs(sets: readonly ReadonlySet<string>[], threshold: number): SimilarPair[] {
  const t = Math.max(threshold, Number.EPSILON);
  const frequency = new Map<string, number>();
  for (const set of sets) for (const term of set) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const ordered = sets.map((set) =>
    [...set].sort(
      (x, y) => (frequency.get(x) ?? 0) - (frequency.get(y) ?? 0) || (x < y ? -1 : x > y ? 1 : 0),
    ),
  );
  // Smaller sets first, so each set is probed against sets no larger than itself.
  const order = sets.map((_, i) => i).sort((x, y) => (sets[x]?.size ?? 0) - (sets[y]?.size ?? 0) || x - y);
  const index = new Map<string, number[]>();
  const pairs: SimilarPair[] = [];
  for (const i of order) {
    const terms = ordered[i] as string[];
    if (terms.length === 0) continue;
    const prefix = terms.length - Math.ceil(t * terms.length) + 1;
    const seen = new Set<number>();
    for (const term of terms.slice(0, prefix)) {
      for (const j of index.get(term) ?? []) {
        if (seen.has(j)) continue;
        seen.add(j);
        const other = sets[j] as ReadonlySet<string>;
        if (other.size < t * terms.length) continue;
        const similarity = jaccard(sets[i] as ReadonlySet<string>, other);
        if (similarity >= threshold) pairs.push({ a: Math.min(i, j), b: Math.max(i, j), similarity });
      }
    }
    for (const term of terms.slice(0, prefix)) {
      const list = index.get(term);
      if (list === undefined) index.set(term, [i]);
      else list.push(i);
    }
  }
  return pairs.sort((x, y) => y.similarity - x.similarity || x.a - y.a || x.b - y.b);
}
