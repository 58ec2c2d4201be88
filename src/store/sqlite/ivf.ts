/**
 * The arithmetic of an inverted-file (IVF) vector index: spherical k-means to train list centroids,
 * and nearest-centroid lookups to assign vectors to lists and to choose the lists a query probes.
 * Vectors are packed row after row in one Float32Array (`n * dimensions` values).
 */

import { assignRowsSimd } from "./ivf-simd.ts";

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

/**
 * For each row of `rows`, the centroid of highest dot product (into `labels`) and that product
 * (into `similarity`, when given). With WebAssembly SIMD (see `assignRowsSimd`) for more than one
 * row; else in JavaScript, two rows and four centroids at a time, which in V8 is about twice as
 * fast as one dot product after another.
 */
export function assignRows(
  centroids: Float32Array,
  rows: Float32Array,
  d: number,
  labels: Int32Array,
  similarity?: Float64Array,
): void {
  const n = rows.length / d;
  if (n >= MIN_SIMD_ROWS && assignRowsSimd(centroids, rows, d, labels, similarity)) return;
  assignRowsJs(centroids, rows, d, labels, similarity);
}

/**
 * Rows from which the SIMD kernel pays for copying the centroids into its memory: for one row the
 * copy costs about what the JavaScript loops do.
 */
const MIN_SIMD_ROWS = 2;

/** {@link assignRows} in JavaScript (exported for the kernel's tests). */
export function assignRowsJs(
  centroids: Float32Array,
  rows: Float32Array,
  d: number,
  labels: Int32Array,
  similarity?: Float64Array,
): void {
  const k = centroids.length / d;
  const n = rows.length / d;
  const k4 = k - (k % 4);
  for (let i = 0; i < n; i += 2) {
    const x0 = i * d;
    // An odd last row is paired with itself.
    const x1 = i + 1 < n ? x0 + d : x0;
    let best0 = 0;
    let best1 = 0;
    let top0 = Number.NEGATIVE_INFINITY;
    let top1 = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k4; c += 4) {
      const c0 = c * d;
      const c1 = c0 + d;
      const c2 = c1 + d;
      const c3 = c2 + d;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < d; j++) {
        const u = rows[x0 + j] as number;
        const v = rows[x1 + j] as number;
        const w0 = centroids[c0 + j] as number;
        const w1 = centroids[c1 + j] as number;
        const w2 = centroids[c2 + j] as number;
        const w3 = centroids[c3 + j] as number;
        a0 += w0 * u;
        a1 += w1 * u;
        a2 += w2 * u;
        a3 += w3 * u;
        b0 += w0 * v;
        b1 += w1 * v;
        b2 += w2 * v;
        b3 += w3 * v;
      }
      if (a0 > top0) {
        top0 = a0;
        best0 = c;
      }
      if (a1 > top0) {
        top0 = a1;
        best0 = c + 1;
      }
      if (a2 > top0) {
        top0 = a2;
        best0 = c + 2;
      }
      if (a3 > top0) {
        top0 = a3;
        best0 = c + 3;
      }
      if (b0 > top1) {
        top1 = b0;
        best1 = c;
      }
      if (b1 > top1) {
        top1 = b1;
        best1 = c + 1;
      }
      if (b2 > top1) {
        top1 = b2;
        best1 = c + 2;
      }
      if (b3 > top1) {
        top1 = b3;
        best1 = c + 3;
      }
    }
    for (let c = k4; c < k; c++) {
      const a = dot(rows, i, centroids, c, d);
      if (a > top0) {
        top0 = a;
        best0 = c;
      }
      if (i + 1 < n) {
        const b = dot(rows, i + 1, centroids, c, d);
        if (b > top1) {
          top1 = b;
          best1 = c;
        }
      }
    }
    labels[i] = best0;
    if (similarity !== undefined) similarity[i] = top0;
    if (i + 1 < n) {
      labels[i + 1] = best1;
      if (similarity !== undefined) similarity[i + 1] = top1;
    }
  }
}

/** The dot product of every row of `rows` with row `c` of `centroids`, four rows at a time. */
function dotsWithRow(
  rows: Float32Array,
  d: number,
  centroids: Float32Array,
  c: number,
  out: Float64Array,
): void {
  const n = rows.length / d;
  const n4 = n - (n % 4);
  const w = c * d;
  for (let i = 0; i < n4; i += 4) {
    const x0 = i * d;
    const x1 = x0 + d;
    const x2 = x1 + d;
    const x3 = x2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const v = centroids[w + j] as number;
      s0 += (rows[x0 + j] as number) * v;
      s1 += (rows[x1 + j] as number) * v;
      s2 += (rows[x2 + j] as number) * v;
      s3 += (rows[x3 + j] as number) * v;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (let i = n4; i < n; i++) out[i] = dot(rows, i, centroids, c, d);
}

/** The index of the centroid with the highest dot product with `vector`. */
export function nearestCentroid(centroids: Float32Array, vector: Float32Array, d: number): number {
  const label = new Int32Array(1);
  assignRows(centroids, vector, d, label);
  return label[0] as number;
}

/**
 * The lists a query probes: lists are taken nearest centroid first while their vectors fit in
 * `budget` (a list that would overflow it is passed over for smaller ones further down, so that one
 * oversized list cannot crowd out several near ones), up to `maxLists`; the nearest non-empty list
 * is always taken.
 * `sizes[c]` is the number of vectors in the list of centroid `c`. Returns centroid indexes.
 */
export function probeLists(
  centroids: Float32Array,
  query: Float32Array,
  d: number,
  sizes: ArrayLike<number>,
  budget: number,
  maxLists: number,
): number[] {
  const k = centroids.length / d;
  const scores = new Float64Array(k);
  for (let c = 0; c < k; c++) scores[c] = dot(query, 0, centroids, c, d);
  const order = Array.from({ length: k }, (_, c) => c);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const chosen: number[] = [];
  let scanned = 0;
  for (const c of order) {
    if (chosen.length >= maxLists) break;
    const size = sizes[c] ?? 0;
    if (size === 0 || (chosen.length > 0 && scanned + size > budget)) continue;
    chosen.push(c);
    scanned += size;
  }
  return chosen;
}

export interface KMeansOptions {
  /** Lloyd iterations after initialisation (default 10). */
  iterations?: number;
  random: () => number;
}

/** Multiply-adds between two yields of {@link kMeansSteps}: a few milliseconds of work. */
const SLICE = 6_000_000;

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
  const steps = kMeansSteps(rows, d, k, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * {@link trainCentroids} in slices of a few milliseconds, awaiting `pause` between them, so that a
 * training in the background leaves the event loop free for requests. Same result for the same seed.
 */
export async function trainCentroidsInSlices(
  rows: Float32Array,
  d: number,
  k: number,
  options: KMeansOptions & { pause: () => Promise<void> },
): Promise<Float32Array> {
  const steps = kMeansSteps(rows, d, k, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    await options.pause();
  }
}

/** k-means as a generator that yields after each slice of work and returns the centroids. */
function* kMeansSteps(
  rows: Float32Array,
  d: number,
  k: number,
  options: KMeansOptions,
): Generator<void, Float32Array> {
  const n = rows.length / d;
  if (n < k) throw new Error(`k-means needs at least ${k} rows, got ${n}`);
  const random = options.random;
  const centroids = new Float32Array(k * d);
  // k-means++: each next seed is drawn with probability proportional to its distance (1 - cos)
  // from the nearest seed so far.
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const products = new Float64Array(n);
  const seedsPerSlice = Math.max(1, Math.floor(SLICE / (n * d)));
  let seed = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centroids.set(rows.subarray(seed * d, seed * d + d), c * d);
    dotsWithRow(rows, d, centroids, c, products);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const distance = Math.max(0, 1 - (products[i] as number));
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
    if ((c + 1) % seedsPerSlice === 0) yield;
  }
  const assignment = new Int32Array(n).fill(-1);
  const labels = new Int32Array(n);
  const similarity = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  // Rows assigned per slice (an even number: assignRows pairs them).
  const rowsPerSlice = Math.max(2, 2 * Math.floor(SLICE / (2 * k * d)));
  for (let iteration = 0; iteration < (options.iterations ?? 10); iteration++) {
    for (let start = 0; start < n; start += rowsPerSlice) {
      const end = Math.min(n, start + rowsPerSlice);
      assignRows(
        centroids,
        rows.subarray(start * d, end * d),
        d,
        labels.subarray(start, end),
        similarity.subarray(start, end),
      );
      if (end < n) yield;
    }
    let changed = 0;
    for (let i = 0; i < n; i++) {
      if (assignment[i] !== labels[i]) changed++;
      assignment[i] = labels[i] as number;
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
    yield;
  }
  return centroids;
}
