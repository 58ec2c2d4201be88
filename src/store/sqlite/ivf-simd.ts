import { WASM_BASE64 } from "./ivf-simd-wasm.ts";

/** The part of the WebAssembly API used here (the project's `lib` setting carries no types for it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Kernel {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  assign(
    centroids: number,
    k: number,
    rows: number,
    n: number,
    d: number,
    labels: number,
    similarity: number,
  ): void;
}

let kernel: Kernel | null | undefined;

/** The compiled kernel (ivf-simd.wat), or null where WebAssembly SIMD is not available. */
function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, "base64"));
    kernel = new WebAssembly.Instance(module, {}).exports as unknown as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

const PAGE = 65_536;

/** Most rows one call of the kernel takes. */
const CHUNK_ROWS = 4096;

/**
 * `assignRows` with WebAssembly SIMD: the centroids and rows are copied into the kernel's memory and
 * each row's nearest centroid computed four lanes at a time, about eight times as fast as the
 * JavaScript loops on the benchmark machine. Sums are kept in 32-bit floats (the JavaScript loops keep 64-bit ones), so a row
 * almost equally near two centroids may go to the other one. Returns false, doing nothing, when
 * the kernel cannot run here or `d` is not a multiple of 4.
 */
export function assignRowsSimd(
  centroids: Float32Array,
  rows: Float32Array,
  d: number,
  labels: Int32Array,
  similarity?: Float64Array,
): boolean {
  if (d % 4 !== 0 || d === 0) return false;
  const wasm = load();
  if (wasm === null) return false;
  const k = centroids.length / d;
  const n = rows.length / d;
  // Rows go through in chunks, so that the kernel's memory (which never shrinks) stays small.
  const chunk = Math.min(n, CHUNK_ROWS);
  const rowsAt = centroids.byteLength;
  const labelsAt = rowsAt + chunk * d * 4;
  const similarityAt = Math.ceil((labelsAt + chunk * 4) / 8) * 8;
  const end = similarityAt + chunk * 8;
  const { memory } = wasm;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
  const heap = memory.buffer;
  new Float32Array(heap, 0, centroids.length).set(centroids);
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    new Float32Array(heap, rowsAt, count * d).set(rows.subarray(start * d, (start + count) * d));
    wasm.assign(0, k, rowsAt, count, d, labelsAt, similarity === undefined ? 0 : similarityAt);
    labels.set(new Int32Array(heap, labelsAt, count), start);
    if (similarity !== undefined) similarity.set(new Float64Array(heap, similarityAt, count), start);
  }
  return true;
}
