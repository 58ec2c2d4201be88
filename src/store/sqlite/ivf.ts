/**
 * The arithmetic of an inverted-file (IVF) vector index: spherical k-means to train list centroids,
 * and nearest-centroid lookups to assign vectors to lists and to choose the lists a query probes.
 * Vectors are packed row after row in one Float32Array (`n * dimensions` values).
 */

/** A small seeded PRNG (mulberry32): training is deterministic for a seed. */
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

/** Dot product of row `i` of `a` and row `j` of `b`, both of `d` values per row. */
export function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let ia = i * d;
  let ib = j * d;
  const end = ia + d - (d % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  while (ia < end) {
    s0 += (a[ia] as number) * (b[ib] as number);
    s1 += (a[ia + 1] as number) * (b[ib + 1] as number);
    s2 += (a[ia + 2] as number) * (b[ib + 2] as number);
    s3 += (a[ia + 3] as number) * (b[ib + 3] as number);
    ia += 4;
    ib += 4;
  }
  const stop = i * d + d;
  while (ia < stop) s0 += (a[ia++] as number) * (b[ib++] as number);
  return s0 + s1 + s2 + s3;
}

/** Scales each row of `rows` to unit length in place (zero rows stay zero). */
export function normaliseRows(rows: Float32Array, d: number): Float32Array {
  for (let start = 0; start < rows.length; start += d) {
    let norm = 0;
    for (let j = start; j < start + d; j++) norm += (rows[j] as number) ** 2;
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let j = start; j < start + d; j++) rows[j] = (rows[j] as number) * scale;
  }
  return rows;
}

/** The index of the centroid with the highest dot product with row `i` of `rows`. */
export function nearestCentroid(centroids: Float32Array, rows: Float32Array, i: number, d: number): number {
  const k = centroids.length / d;
  let best = 0;
  let bestDot = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    const s = dot(rows, i, centroids, c, d);
    if (s > bestDot) {
      bestDot = s;
      best = c;
    }
  }
  return best;
}

/** Indexes of the `count` centroids nearest to `query` (highest dot product first). */
export function nearestCentroids(
  centroids: Float32Array,
  query: Float32Array,
  d: number,
  count: number,
): number[] {
  const k = centroids.length / d;
  const scores = new Float64Array(k);
  for (let c = 0; c < k; c++) scores[c] = dot(query, 0, centroids, c, d);
  const order = Array.from({ length: k }, (_, c) => c);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return order.slice(0, Math.min(count, k));
}

export interface KMeansOptions {
  /** Lloyd iterations after initialisation (default 10). */
  iterations?: number;
  random: () => number;
}

/**
 * Spherical k-means: k-means++ initialisation, then Lloyd iterations assigning each (unit) row to
 * the centroid of highest dot product and setting each centroid to the normalised mean of its rows.
 * An emptied list is reseeded with the row farthest from its centroid. Returns `k * d` values.
 */
export function trainCentroids(
  rows: Float32Array,
  d: number,
  k: number,
  options: KMeansOptions,
): Float32Array {
  const n = rows.length / d;
  if (n < k) throw new Error(`k-means needs at least ${k} rows, got ${n}`);
  const random = options.random;
  const centroids = new Float32Array(k * d);
  // k-means++: each next seed is drawn with probability proportional to its distance (1 - cos)
  // from the nearest seed so far.
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let seed = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centroids.set(rows.subarray(seed * d, seed * d + d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const distance = Math.max(0, 1 - dot(rows, i, centroids, c, d));
      if (distance < (nearest[i] as number)) nearest[i] = distance;
      total += nearest[i] as number;
    }
    if (c + 1 === k) break;
    let target = random() * total;
    seed = -1;
    for (let i = 0; i < n && target > 0; i++) {
      target -= nearest[i] as number;
      if (target <= 0) seed = i;
    }
    // All rows coincide with a seed (or rounding ran past the end): take any row.
    if (seed < 0) seed = Math.floor(random() * n);
  }
  const assignment = new Int32Array(n).fill(-1);
  const similarity = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let iteration = 0; iteration < (options.iterations ?? 10); iteration++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDot = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const s = dot(rows, i, centroids, c, d);
        if (s > bestDot) {
          bestDot = s;
          best = c;
        }
      }
      if (assignment[i] !== best) changed++;
      assignment[i] = best;
      similarity[i] = bestDot;
    }
    if (changed === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i] as number;
      counts[c] = (counts[c] as number) + 1;
      const base = c * d;
      const row = i * d;
      for (let j = 0; j < d; j++) sums[base + j] = (sums[base + j] as number) + (rows[row + j] as number);
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // Reseed an empty list with the row worst served by its centroid.
        let worst = 0;
        for (let i = 1; i < n; i++) if ((similarity[i] as number) < (similarity[worst] as number)) worst = i;
        similarity[worst] = Number.POSITIVE_INFINITY;
        centroids.set(rows.subarray(worst * d, worst * d + d), c * d);
        continue;
      }
      for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j] as number;
    }
    normaliseRows(centroids, d);
  }
  return centroids;
}
