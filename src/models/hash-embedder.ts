import type { Embedder } from "./embedder.ts";
import { md5Words } from "./md5.ts";

/**
 * A deterministic embedder with no model: each word (and word bigram) is hashed to a few signed
 * dimensions, and the sum is L2-normalised. Texts sharing words point in similar directions. For
 * tests and benchmarks, where a neural model cannot be downloaded; not a substitute for one.
 */
export function createHashEmbedder(dimensions = 384): Embedder {
  return {
    id: `hash:${dimensions}`,
    async embed(texts) {
      return texts.map((text) => hashVector(text, dimensions));
    },
  };
}

function hashVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  // Each feature adds ±weight at two dimensions: digest words 0 and 1 (unsigned) pick them, and
  // the low bits of digest bytes 8 and 9 their signs.
  const add = (feature: string, weight: number) => {
    const digest = md5Words(feature);
    const signs = digest[2] as number;
    const first = ((digest[0] as number) >>> 0) % dimensions;
    const second = ((digest[1] as number) >>> 0) % dimensions;
    vector[first] = (vector[first] as number) + (signs & 1 ? weight : -weight);
    vector[second] = (vector[second] as number) + (signs & 0x100 ? weight : -weight);
  };
  for (const word of words) add(word, 1);
  for (let i = 1; i < words.length; i++) add(`${words[i - 1]} ${words[i]}`, 0.5);
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}
