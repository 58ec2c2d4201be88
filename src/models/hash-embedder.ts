import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Embedder, EmbeddingJob } from "./embedder.ts";
import { type HashJob, THREAD_ROLE, VECTORS_AT } from "./hash-embedder-thread.ts";
import { hashVectorInto } from "./hash-vector.ts";

/** Smaller batches are embedded inline: handing them to the thread costs about what they do. */
const THREAD_MIN_TEXTS = 32;

/** How long a wait for the thread blocks before the batch is embedded inline instead. */
const WAIT_MS = 30_000;

export interface HashEmbedderOptions {
  /**
   * Embed batches of 32 texts or more on a worker thread (default true), so that they neither
   * block the event loop nor delay a write that prepares its rows meanwhile (see `Embedder.start`).
   * The vectors are the same either way.
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
  if (threaded) HashThread.shared();
  const onThread = (texts: readonly string[]): ThreadJob | null =>
    threaded && texts.length >= THREAD_MIN_TEXTS ? ThreadJob.start(texts, dimensions) : null;
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

/** One batch on the shared thread: the thread writes the vectors into a shared buffer. */
class ThreadJob implements EmbeddingJob {
  readonly #buffer: SharedArrayBuffer;
  readonly #state: Int32Array;
  readonly #texts: readonly string[];
  readonly #dimensions: number;

  private constructor(buffer: SharedArrayBuffer, texts: readonly string[], dimensions: number) {
    this.#buffer = buffer;
    this.#state = new Int32Array(buffer, 0, 1);
    this.#texts = texts;
    this.#dimensions = dimensions;
  }

  /** Hands the texts to the thread, or returns null when there is no thread to run them. */
  static start(texts: readonly string[], dimensions: number): ThreadJob | null {
    const thread = HashThread.shared();
    if (thread === null) return null;
    const buffer = new SharedArrayBuffer(VECTORS_AT + texts.length * dimensions * 4);
    thread.run({ texts, dimensions, buffer });
    return new ThreadJob(buffer, texts, dimensions);
  }

  wait(): Float32Array[] {
    if (Atomics.load(this.#state, 0) === 0) Atomics.wait(this.#state, 0, 0, WAIT_MS);
    return this.#vectors();
  }

  /** The vectors, without blocking the event loop meanwhile. */
  async settled(): Promise<Float32Array[]> {
    const waiting = Atomics.waitAsync(this.#state, 0, 0, WAIT_MS);
    if (waiting.async) await waiting.value;
    return this.#vectors();
  }

  /** The thread's vectors; if it failed or is stuck, the same computed here instead. */
  #vectors(): Float32Array[] {
    if (Atomics.load(this.#state, 0) !== 1) return embedHere(this.#texts, this.#dimensions);
    const size = this.#dimensions;
    return Array.from(
      { length: this.#texts.length },
      (_, i) => new Float32Array(this.#buffer, VECTORS_AT + i * size * 4, size),
    );
  }
}

/**
 * The process's one hash-embedding thread, started at first use. It keeps the process alive only
 * while it has jobs (it reports each one done); if it dies, its unfinished jobs are embedded inline
 * by whoever waits for them, and so is everything after.
 */
class HashThread {
  /** The thread; null when it cannot run (its module is not beside this one, as in a single-file bundle, or it died). */
  static #shared: HashThread | null | undefined;

  static shared(): HashThread | null {
    if (HashThread.#shared === undefined) {
      const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
      const url = new URL(`./hash-embedder-thread${extension}`, import.meta.url);
      try {
        HashThread.#shared = existsSync(fileURLToPath(url)) ? new HashThread(url) : null;
      } catch {
        // Options of this process a worker cannot take, say: embed inline.
        HashThread.#shared = null;
      }
    }
    return HashThread.#shared;
  }

  readonly #worker: Worker;
  /** The state words of jobs not yet reported done, oldest first (the thread runs them in order). */
  readonly #pending: Int32Array[] = [];

  private constructor(url: URL) {
    // The process's options (inherited by default), but for one that applies to its entry point only.
    const entryOnly = (option: string) => option.startsWith("--input-type");
    this.#worker = new Worker(url, {
      workerData: THREAD_ROLE,
      ...(process.execArgv.some(entryOnly)
        ? { execArgv: process.execArgv.filter((o) => !entryOnly(o)) }
        : {}),
    });
    this.#worker.on("message", () => {
      this.#pending.shift();
      if (this.#pending.length === 0) this.#worker.unref();
    });
    const gone = () => {
      if (HashThread.#shared === this) HashThread.#shared = null;
      for (const state of this.#pending.splice(0)) {
        Atomics.compareExchange(state, 0, 0, 2);
        Atomics.notify(state, 0);
      }
    };
    this.#worker.on("error", gone);
    this.#worker.on("exit", gone);
    // After the listeners: adding a message listener refs the worker again.
    this.#worker.unref();
  }

  run(job: HashJob): void {
    if (this.#pending.length === 0) this.#worker.ref();
    this.#pending.push(new Int32Array(job.buffer, 0, 1));
    this.#worker.postMessage(job);
  }
}
