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
