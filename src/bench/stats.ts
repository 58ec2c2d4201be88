/** Latency summary in milliseconds. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  samples: number;
}

/** Nearest-rank percentiles of a list of durations in milliseconds. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, mean: 0, samples: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => nearestRank(sorted, p);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    mean: round(mean),
    samples: sorted.length,
  };
}

/** The nearest-rank `p`th percentile (0 < p <= 100) of samples sorted ascending; NaN when there are none. */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function clockMs(): number {
  return performance.now();
}
