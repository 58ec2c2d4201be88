import { sha256 } from "../core/hash.ts";
import { createRandom, type Random } from "../environments/random.ts";

/**
 * A 31-bit seed derived from the run's seed and a purpose (`split`, `round`, 3 …). Each use draws
 * from its own stream, so redoing one round after a crash draws exactly what the first try drew.
 */
export function deriveSeed(seed: number, ...purpose: (string | number)[]): number {
  return Number.parseInt(sha256([seed, ...purpose].join("\u0000")).slice(0, 8), 16) & 0x7fffffff;
}

/** A generator for one purpose of a run (see `deriveSeed`). */
export function randomFor(seed: number, ...purpose: (string | number)[]): Random {
  return createRandom(deriveSeed(seed, ...purpose));
}

/** `count` items drawn without replacement, kept in their original order (all of them when fewer). */
export function sample<T>(items: readonly T[], count: number, random: Random): T[] {
  if (count >= items.length) return [...items];
  const indexes = items.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + random.integer(indexes.length - i);
    [indexes[i], indexes[j]] = [indexes[j] as number, indexes[i] as number];
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
