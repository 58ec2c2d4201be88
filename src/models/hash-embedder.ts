import { createHash } from "node:crypto";
import type { Embedder } from "./embedder.ts";

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
  const features = [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
  for (const feature of features) {
    const digest = createHash("md5").update(feature).digest();
    for (let j = 0; j < 2; j++) {
      const index = digest.readUInt32LE(j * 4) % dimensions;
      const sign = (digest[8 + j] ?? 0) & 1 ? 1 : -1;
      vector[index] = (vector[index] ?? 0) + sign * (feature.includes(" ") ? 0.5 : 1);
    }
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}
