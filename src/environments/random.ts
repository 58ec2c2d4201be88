import { InvalidInputError } from "../core/errors.ts";

/** The generator an environment uses until `reset` is given a seed. */
export const DEFAULT_SEED = 0;

/** Seeded pseudo-random numbers, so that `reset(seed)` makes a whole episode reproducible. */
export interface Random {
  /** A float uniform in [0, 1). */
  next(): number;
  /** An integer uniform in [0, count). */
  integer(count: number): number;
}

/**
 * sfc32 (the Small Fast Counting generator): 128 bits of state in 32-bit integer arithmetic, and unlike
 * the smaller mulberry32 it passes PractRand. Any non-negative safe integer is a seed.
 *
 * @example
 * const random = createRandom(42);
 * const slip = random.integer(3);
 */
export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidInputError(`seed must be a non-negative integer, got ${String(seed)}`);
  }
  let a = seed >>> 0;
  let b = Math.floor(seed / 2 ** 32) >>> 0;
  let c = 0x9e3779b9;
  let d = 1;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Nearby seeds start in nearby states; the warm-up spreads them apart.
  for (let i = 0; i < 15; i++) nextUint32();
  const next = (): number => nextUint32() / 2 ** 32;
  return { next, integer: (count) => Math.floor(next() * count) };
}
