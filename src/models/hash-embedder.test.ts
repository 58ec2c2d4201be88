import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outputOnceExited } from "../threads/thread-test-support.ts";
import { createHashEmbedder } from "./hash-embedder.ts";

const texts = Array.from(
  { length: 200 },
  (_, i) =>
    `memory ${i}: Ada moved to Lisbon in ${2000 + (i % 20)}, and works at Ørsted — 😀 ${"word ".repeat(i % 7)}`,
);
texts.push("", "a", "\ud800 lone surrogate");

const bytes = (vectors: readonly Float32Array[]) =>
  vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"));

/** Whether the vectors are views of one buffer: the batch the helper thread computed and handed back. */
const fromThread = (vectors: readonly Float32Array[]) =>
  vectors.length > 1 && vectors.every((v) => v.buffer === vectors[0]?.buffer);

describe("the hash embedder", () => {
  it("gives the same vectors on its thread as inline, by embed and by start", async () => {
    const inline = await createHashEmbedder(64, { thread: false }).embed(texts);
    const threaded = createHashEmbedder(64);
    assert.equal(inline.length, texts.length);
    assert.ok(inline.every((v) => v.length === 64));
    const embedded = await threaded.embed(texts);
    const started = threaded.start?.(texts).wait() ?? [];
    // Computed on the thread: views of the batch's one buffer.
    assert.ok(fromThread(embedded) && fromThread(started));
    assert.ok(!fromThread(inline));
    assert.deepEqual(bytes(embedded), bytes(inline));
    assert.deepEqual(bytes(started), bytes(inline));
    // Small batches are embedded inline; the same vectors.
    assert.deepEqual(bytes(threaded.start?.(texts.slice(0, 3)).wait() ?? []), bytes(inline.slice(0, 3)));
  });

  it("runs several batches at once, each waited for in any order", async () => {
    const embedder = createHashEmbedder(32);
    const batches = [texts.slice(0, 100), texts.slice(100), texts.slice(50, 150)];
    const jobs = batches.map((batch) => embedder.start?.(batch));
    const expected = await Promise.all(
      batches.map((b) => createHashEmbedder(32, { thread: false }).embed(b)),
    );
    for (const i of [2, 0, 1]) assert.deepEqual(bytes(jobs[i]?.wait() ?? []), bytes(expected[i] ?? []));
    // Waiting again returns the same vectors.
    assert.deepEqual(bytes(jobs[0]?.wait() ?? []), bytes(expected[0] ?? []));
  });

  it("lets the process exit once its batches are done, whether or not they were waited for", () => {
    const script = `
      import { createHashEmbedder } from ${JSON.stringify(new URL("./hash-embedder.ts", import.meta.url).href)};
      const embedder = createHashEmbedder(16);
      const texts = Array.from({ length: 500 }, (_, i) => "text " + i);
      embedder.start(texts);
      const vectors = await embedder.embed(texts);
      console.log(vectors.length, vectors[499].length, vectors[0].buffer === vectors[499].buffer);
    `;
    assert.equal(outputOnceExited(script), "500 16 true", "embedded on the thread");
  });

  it("lets the process exit when its thread was started but never given a batch", () => {
    const script = `
      import { createHashEmbedder } from ${JSON.stringify(new URL("./hash-embedder.ts", import.meta.url).href)};
      const vectors = await createHashEmbedder(16).embed(["a small batch, embedded inline"]);
      console.log(vectors.length);
    `;
    assert.equal(outputOnceExited(script), "1");
  });
});
