/** A small seeded PRNG (mulberry32), so synthetic corpora are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ren",
  "sa",
  "tu",
  "vel",
  "dor",
  "pa",
  "qui",
  "zen",
  "ba",
  "ly",
  "nor",
  "est",
  "ra",
];

/** Pseudo-words built from syllables: word i is the i-th most frequent. */
function makeVocabulary(size: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < size; i++) {
    let n = i + 1;
    let word = "";
    while (n > 0) {
      word += SYLLABLES[n % SYLLABLES.length];
      n = Math.floor(n / SYLLABLES.length);
    }
    words.push(word);
  }
  return words;
}

/**
 * Text with a Zipfian vocabulary (word rank r drawn with probability ∝ 1/r^s) and sentence lengths
 * of 8 to 30 words, like notes and facts a memory store holds.
 */
export class SyntheticCorpus {
  readonly #random: () => number;
  readonly #vocabulary: string[];
  readonly #cumulative: Float64Array;

  constructor(options: { seed?: number; vocabulary?: number; exponent?: number } = {}) {
    this.#random = seededRandom(options.seed ?? 42);
    this.#vocabulary = makeVocabulary(options.vocabulary ?? 30_000);
    const s = options.exponent ?? 1.07;
    this.#cumulative = new Float64Array(this.#vocabulary.length);
    let total = 0;
    for (let r = 0; r < this.#vocabulary.length; r++) {
      total += 1 / (r + 1) ** s;
      this.#cumulative[r] = total;
    }
    for (let r = 0; r < this.#cumulative.length; r++)
      this.#cumulative[r] = (this.#cumulative[r] ?? 0) / total;
  }

  word(): string {
    const x = this.#random();
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#cumulative[mid] ?? 1) < x) lo = mid + 1;
      else hi = mid;
    }
    return this.#vocabulary[lo] as string;
  }

  sentence(minWords = 8, maxWords = 30): string {
    const length = minWords + Math.floor(this.#random() * (maxWords - minWords + 1));
    const words: string[] = [];
    for (let i = 0; i < length; i++) words.push(this.word());
    const text = words.join(" ");
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  }

  /** A query of 2 to 6 words, drawn from a sentence of the corpus distribution. */
  query(): string {
    const length = 2 + Math.floor(this.#random() * 5);
    return Array.from({ length }, () => this.word()).join(" ");
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }
}
