import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { compileWat, kernelModule, WASM_KERNELS } from "../../../scripts/build-wasm.ts";
import { assignRowsJs, normaliseRows, seededRandom } from "./ivf.ts";
import { assignRowsSimd } from "./ivf-simd.ts";

const root = new URL("../../../", import.meta.url);

function unitRows(count: number, d: number, random: () => number): Float32Array {
  return normaliseRows(
    Float32Array.from({ length: count * d }, () => random() - 0.5),
    d,
  );
}

describe("the IVF assignment kernel (WebAssembly SIMD)", () => {
  it("is what its text compiles to", async () => {
    for (const kernel of WASM_KERNELS) {
      const source = new URL(kernel.source, root).pathname;
      const bytes = await compileWat(source);
      const module = readFileSync(new URL(kernel.module, root), "utf8");
      assert.equal(module, kernelModule(kernel.source, bytes), `${kernel.module}: run npm run build:wasm`);
    }
  });

  it("finds the nearest centroid the JavaScript loops find, for odd counts and leftover centroids", () => {
    const random = seededRandom(11);
    // (centroids, rows, dimensions): a single row and centroid, fewer centroids than a block of four,
    // an odd last row, the lists of 100,000 vectors, and more rows than one call of the kernel takes.
    for (const [k, n, d] of [
      [1, 1, 4],
      [3, 5, 8],
      [7, 2, 12],
      [316, 101, 384],
      [5, 4099, 16],
    ] as const) {
      const centroids = unitRows(k, d, random);
      const rows = unitRows(n, d, random);
      const expected = new Int32Array(n);
      const expectedSimilarity = new Float64Array(n);
      assignRowsJs(centroids, rows, d, expected, expectedSimilarity);
      const labels = new Int32Array(n).fill(-1);
      const similarity = new Float64Array(n);
      assert.equal(assignRowsSimd(centroids, rows, d, labels, similarity), true);
      for (let i = 0; i < n; i++) {
        const best = expectedSimilarity[i] as number;
        assert.ok(Math.abs((similarity[i] as number) - best) < 1e-5, `row ${i} of ${k}x${n}x${d}`);
        if (labels[i] === expected[i]) continue;
        // Another centroid only when it is as near within rounding (32-bit sums).
        const other = new Int32Array(1);
        const near = new Float64Array(1);
        const only = centroids.subarray((labels[i] as number) * d, ((labels[i] as number) + 1) * d);
        assignRowsJs(only, rows.subarray(i * d, (i + 1) * d), d, other, near);
        assert.ok(
          best - (near[0] as number) < 1e-5,
          `row ${i} of ${k}x${n}x${d}: ${labels[i]} for ${expected[i]}`,
        );
      }
      // Without similarities asked for, the labels are the same.
      const alone = new Int32Array(n);
      assignRowsSimd(centroids, rows, d, alone);
      assert.deepEqual(alone, labels);
    }
  });

  it("leaves dimensions that are not a multiple of four to the JavaScript loops", () => {
    const labels = new Int32Array(1);
    assert.equal(assignRowsSimd(new Float32Array(6), new Float32Array(3), 3, labels), false);
  });
});
