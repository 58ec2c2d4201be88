import { prestartHelperThread, startOnThread, type ThreadTask } from "../threads/helper-thread.ts";
import type { Embedder, EmbeddingJob } from "./embedder.ts";
import { hashVectorInto } from "./hash-vector.ts";

/** Smaller batches are embedded inline: handing them to the thread costs about what they do. */
const THREAD_MIN_TEXTS = 32;

export interface HashEmbedderOptions {
  /**
   * Embed batches of 32 texts or more on engram's helper thread (default true), so that they
   * neither block the event loop nor delay a write that prepares its rows meanwhile (see
   * `Embedder.start`). The vectors are the same either way.
   */
  thread?: boolean;
}

/**
 * A deterministic embedder with no model: each word (and word bigram) is hashed to a few signed
 * dimensions, and the sum is L2-normalised. Texts sharing words point in similar directions. For
 * tests and benchmarks, where a neural model cannot be downloaded; not a substitute for one.
 */
export function createHashEmbedder(dimensions = 384, options: HashEmbedderOptions = {}): Embedder {
  const threaded = options.thread !== false;
  // Started now, so that it has booted (tens of milliseconds) by the first large batch.
  if (threaded) prestartHelperThread();
  const onThread = (texts: readonly string[]): ThreadJob | null => {
    if (!threaded || texts.length < THREAD_MIN_TEXTS) return null;
    const task = startOnThread("hashVectors", { texts, dimensions });
    return task === null ? null : new ThreadJob(task, texts, dimensions);
  };
  return {
    id: `hash:${dimensions}`,
    async embed(texts) {
      return (await onThread(texts)?.settled()) ?? embedHere(texts, dimensions);
    },
    start(texts) {
      const job = onThread(texts);
      if (job !== null) return job;
      const vectors = embedHere(texts, dimensions);
      return { wait: () => vectors };
    },
  };
}

function embedHere(texts: readonly string[], dimensions: number): Float32Array[] {
  return texts.map((text) => {
    const vector = new Float32Array(dimensions);
    hashVectorInto(text, dimensions, vector);
    return vector;
  });
}

/** One batch on the helper thread, which returns the vectors in one buffer. */
class ThreadJob implements EmbeddingJob {
  readonly #task: ThreadTask<Float32Array>;
  readonly #texts: readonly string[];
  readonly #dimensions: number;

  constructor(task: ThreadTask<Float32Array>, texts: readonly string[], dimensions: number) {
    this.#task = task;
    this.#texts = texts;
    this.#dimensions = dimensions;
  }

  wait(): Float32Array[] {
    return this.#vectors(this.#task.wait());
  }

  /** The vectors, without blocking the event loop meanwhile. */
  async settled(): Promise<Float32Array[]> {
    return this.#vectors(await this.#task.settled());
  }

  /** Views of the thread's buffer, one per text; if it failed or is gone, the same computed here. */
  #vectors(all: Float32Array | null): Float32Array[] {
    if (all === null) return embedHere(this.#texts, this.#dimensions);
    const size = this.#dimensions;
    return Array.from({ length: this.#texts.length }, (_, i) => all.subarray(i * size, (i + 1) * size));
  }
}
