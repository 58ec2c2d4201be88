import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignRows, dot, normaliseRows, probeLists, seededRandom, trainCentroids } from "./ivf.ts";

describe("IVF arithmetic", () => {
  it("assigns each row to the centroid of highest dot product, for any row and centroid count", () => {
    const random = seededRandom(3);
    for (const [n, k, d] of [
      [7, 5, 3],
      [8, 4, 16],
      [1, 1, 1],
      [33, 18, 13],
    ] as const) {
      const rows = Float32Array.from({ length: n * d }, () => random() - 0.5);
      const centroids = Float32Array.from({ length: k * d }, () => random() - 0.5);
      const labels = new Int32Array(n);
      const similarity = new Float64Array(n);
      assignRows(centroids, rows, d, labels, similarity);
      for (let i = 0; i < n; i++) {
        const scores = Array.from({ length: k }, (_, c) => dot(rows, i, centroids, c, d));
        const best = scores.indexOf(Math.max(...scores));
        assert.equal(labels[i], best);
        // Within 32-bit rounding: with d a multiple of 4 the SIMD kernel sums in 32-bit floats.
        assert.ok(Math.abs((similarity[i] as number) - (scores[best] as number)) < 1e-5);
      }
    }
  });

  it("probes the nearest lists that fit the budget, passing over oversized ones and empty ones", () => {
    // Centroids along the x axis, the query nearest the first; list sizes vary.
    const centroids = normaliseRows(Float32Array.from([1, 0, 0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]), 2);
    const query = Float32Array.from([1, 0]);
    assert.deepEqual(probeLists(centroids, query, 2, [10, 10, 10, 10, 10], 30, 10), [0, 1, 2]);
    // The second nearest would overflow: the third and fourth fit instead.
    assert.deepEqual(probeLists(centroids, query, 2, [10, 50, 10, 10, 10], 30, 10), [0, 2, 3]);
    // The nearest is taken however large; empty lists are not probed.
    assert.deepEqual(probeLists(centroids, query, 2, [100, 0, 10, 10, 10], 30, 10), [0]);
    assert.deepEqual(probeLists(centroids, query, 2, [0, 0, 10, 10, 10], 30, 10), [2, 3, 4]);
    // At most maxLists.
    assert.deepEqual(probeLists(centroids, query, 2, [1, 1, 1, 1, 1], 30, 2), [0, 1]);
  });

  it("finds well-separated clusters", () => {
    const random = seededRandom(5);
    const d = 8;
    const centres = [0, 1, 2, 3].map((c) =>
      Float32Array.from({ length: d }, (_, j) => (j === c * 2 ? 1 : 0)),
    );
    const n = 400;
    const rows = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const centre = centres[i % 4] as Float32Array;
      for (let j = 0; j < d; j++) rows[i * d + j] = (centre[j] as number) + 0.05 * (random() - 0.5);
    }
    normaliseRows(rows, d);
    const centroids = trainCentroids(rows, d, 4, { random: seededRandom(1) });
    const labels = new Int32Array(n);
    assignRows(centroids, rows, d, labels);
    for (let c = 0; c < 4; c++) {
      const members = new Set(Array.from({ length: n / 4 }, (_, i) => labels[i * 4 + c]));
      assert.equal(members.size, 1, `cluster ${c} is one list`);
    }
    assert.equal(new Set(labels).size, 4);
  });
});
