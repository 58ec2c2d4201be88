import type { VectorIndex } from "../retrieval/vector-index.ts";
import { lexicalSimilarity } from "./similarity.ts";

/**
 * Similarity by embeddings when an embedding model is configured: the cosine of two texts' vectors
 * (negative values count as 0). Texts must be `prepare`d first (similarity is computed synchronously
 * inside the experience table); a text without a vector falls back to the lexical similarity.
 */
export class EmbeddingSimilarity {
  readonly #index: VectorIndex;
  readonly #vectors = new Map<string, Float32Array>();

  constructor(index: VectorIndex) {
    this.#index = index;
  }

  /** Embeds the texts not embedded yet (recent ones come from the engine's in-memory cache). */
  async prepare(texts: Iterable<string>): Promise<void> {
    const missing = [...new Set(texts)].filter((t) => !this.#vectors.has(t));
    if (missing.length === 0) return;
    const vectors = await this.#index.embed(missing);
    if (vectors === null) return;
    missing.forEach((text, i) => {
      const vector = vectors[i];
      if (vector !== undefined) this.#vectors.set(text, vector);
    });
    if (this.#vectors.size > 100_000) this.#vectors.clear();
  }

  readonly similarity = (a: string, b: string): number => {
    if (a === b) return 1;
    const x = this.#vectors.get(a);
    const y = this.#vectors.get(b);
    if (x === undefined || y === undefined || x.length !== y.length) return lexicalSimilarity(a, b);
    let dot = 0;
    let nx = 0;
    let ny = 0;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] as number;
      const yi = y[i] as number;
      dot += xi * yi;
      nx += xi * xi;
      ny += yi * yi;
    }
    const cosine = nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny);
    return Math.max(0, Math.min(1, cosine));
  };
}
