/**
 * An anytime-valid test of a paired gain: the mean of differences d ∈ [-1, 1] (a child's score
 * minus the current context's, on the same task and sample). Each side is a betting martingale
 * (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting", 2023): under
 * "the mean is at most μ" the wealth Π(1 + λᵢ(dᵢ − μ)) is a non-negative supermartingale when each
 * bet λᵢ is chosen before its draw, so by Ville's inequality it reaches 1/risk with
 * probability at most `risk`, however often it is looked at. A tie (d = 0) leaves the wealth against
 * μ = 0 unchanged: only the draws where the two contexts differ count, as in a sign test.
 */

/** Grid the interval is read on (steps of 0.005 in the gain). */
const GRID = Array.from({ length: 399 }, (_, i) => -1 + (i + 1) / 200);
/** Largest bet, as a share of the bet that would stake everything. */
const MAX_BET = 0.9;

/**
 * Wealth against "the mean is at most μ": large when the gain is above μ. Each bet is the Kelly bet
 * the draws so far suggest (their summed excess over their summed square, each sum started with a
 * pseudo-draw so that the first bet is one half), fixed before the draw it stakes on.
 */
export function wealthAbove(diffs: readonly number[], mu: number): number {
  return wealth(diffs, (d) => d - mu, 1 + mu);
}

/** Wealth against "the mean is at least μ": large when the gain is below μ. */
export function wealthBelow(diffs: readonly number[], mu: number): number {
  return wealth(diffs, (d) => mu - d, 1 - mu);
}

function wealth(diffs: readonly number[], excess: (d: number) => number, range: number): number {
  let total = 1;
  let sum = 1;
  let squares = 2;
  for (const d of diffs) {
    const bet = Math.min(Math.max(sum / squares, 0), MAX_BET) / range;
    const x = excess(d);
    total *= 1 + bet * x;
    sum += x;
    squares += x * x;
  }
  return total;
}

/** What the paired draws say so far. */
export interface GainBounds {
  /** Mean paired difference. */
  estimate: number;
  /** Confidence sequence for the gain at level 1 − 2·risk: [lower, upper]. */
  interval: [number, number];
}

/**
 * The estimate and the interval of gains neither side's wealth has ruled out at `risk` (read on a
 * grid of 0.005, widened outwards), valid at whatever draw the test stopped.
 */
export function gainBounds(diffs: readonly number[], risk: number): GainBounds {
  const threshold = 1 / risk;
  const estimate = diffs.length === 0 ? 0 : diffs.reduce((s, d) => s + d, 0) / diffs.length;
  let lower = -1;
  let upper = 1;
  for (const mu of GRID) if (wealthAbove(diffs, mu) >= threshold) lower = mu;
  for (const mu of [...GRID].reverse()) if (wealthBelow(diffs, mu) >= threshold) upper = mu;
  return {
    estimate: round(estimate),
    interval: [round(Math.min(lower, estimate)), round(Math.max(upper, estimate))],
  };
}

/** Where the test stands: `accept` (gain above 0), `futile` (gain below the smallest worth having), or `open`. */
export function verdict(
  diffs: readonly number[],
  risk: number,
  minGain: number,
): "accept" | "futile" | "open" {
  if (wealthAbove(diffs, 0) >= 1 / risk) return "accept";
  if (minGain > 0 && wealthBelow(diffs, minGain) >= 1 / risk) return "futile";
  return "open";
}

/** The fewest paired draws that can accept at `risk`: a child that wins every draw needs this many. */
export function minimumDraws(risk: number): number {
  for (let n = 1; n <= 10_000; n++) if (wealthAbove(Array(n).fill(1), 0) >= 1 / risk) return n;
  return Number.POSITIVE_INFINITY;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
