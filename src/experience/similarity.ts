import { tokenize } from "../core/text.ts";

/** A similarity of two texts in [0, 1]. */
export type Similarity = (a: string, b: string) => number;

const featureCache = new Map<string, Set<string>>();

/** Words and adjacent word pairs of a text, so word order counts a little (what `lexicalSimilarity` compares). */
export function textFeatures(text: string): Set<string> {
  let set = featureCache.get(text);
  if (set === undefined) {
    const words = tokenize(text);
    set = new Set(words);
    for (let i = 1; i < words.length; i++) set.add(`${words[i - 1]} ${words[i]}`);
    if (featureCache.size > 50_000) featureCache.clear();
    featureCache.set(text, set);
  }
  return set;
}

/**
 * The default, lexical similarity: Jaccard overlap of words and word pairs. Identical texts score 1,
 * texts with nothing in common 0.
 */
export const lexicalSimilarity: Similarity = (a, b) => {
  if (a === b) return 1;
  const x = textFeatures(a);
  const y = textFeatures(b);
  if (x.size === 0 && y.size === 0) return 1;
  let shared = 0;
  const [small, large] = x.size <= y.size ? [x, y] : [y, x];
  for (const f of small) if (large.has(f)) shared++;
  return shared / (x.size + y.size - shared);
};
