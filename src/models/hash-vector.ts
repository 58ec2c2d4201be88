import { md5Words } from "./md5.ts";

/**
 * The hash embedder's vector of one text, written at `out[offset … offset + dimensions)` (which
 * must be zero there): each word (and word bigram) is hashed to two signed dimensions, and the sum
 * is L2-normalised. Texts sharing words point in similar directions.
 */
export function hashVectorInto(text: string, dimensions: number, out: Float32Array, offset = 0): void {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  // Each feature adds ±weight at two dimensions: digest words 0 and 1 (unsigned) pick them, and
  // the low bits of digest bytes 8 and 9 their signs.
  const add = (feature: string, weight: number) => {
    const digest = md5Words(feature);
    const signs = digest[2] as number;
    const first = offset + (((digest[0] as number) >>> 0) % dimensions);
    const second = offset + (((digest[1] as number) >>> 0) % dimensions);
    out[first] = (out[first] as number) + (signs & 1 ? weight : -weight);
    out[second] = (out[second] as number) + (signs & 0x100 ? weight : -weight);
  };
  for (const word of words) add(word, 1);
  for (let i = 1; i < words.length; i++) add(`${words[i - 1]} ${words[i]}`, 0.5);
  let norm = 0;
  for (let i = offset; i < offset + dimensions; i++) {
    const x = out[i] as number;
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = offset; i < offset + dimensions; i++) out[i] = (out[i] as number) / norm;
}
