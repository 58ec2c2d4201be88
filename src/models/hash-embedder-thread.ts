import { parentPort, workerData } from "node:worker_threads";
import { hashVectorInto } from "./hash-vector.ts";

/** What the hash embedder's thread is asked: texts to embed into a shared buffer. */
export interface HashJob {
  texts: readonly string[];
  dimensions: number;
  /** Int32 state at byte 0 (0 working, 1 done, 2 failed), then the vectors, one after another. */
  buffer: SharedArrayBuffer;
}

/** Byte offset of the vectors in a job's buffer (after the state word, 8-aligned). */
export const VECTORS_AT = 8;

/** Runs one job, then flags it done (or failed) and wakes whoever waits on its state word. */
function runHashJob(job: HashJob): void {
  const state = new Int32Array(job.buffer, 0, 1);
  try {
    const out = new Float32Array(job.buffer, VECTORS_AT, job.texts.length * job.dimensions);
    job.texts.forEach((text, i) => {
      hashVectorInto(text, job.dimensions, out, i * job.dimensions);
    });
    Atomics.store(state, 0, 1);
  } catch {
    Atomics.store(state, 0, 2);
  }
  Atomics.notify(state, 0);
}

/** Runs a job sent by the embedder, then tells it the job is done (so it can let the process exit). */
function onJob(job: HashJob): void {
  runHashJob(job);
  parentPort?.postMessage(null);
}

/** Marks the worker that runs this module as the hash embedder's (see `hash-embedder.ts`). */
export const THREAD_ROLE = "engram-hash-embedder";

// Only in the thread started for this role: an application's own worker may import engram too.
if (workerData === THREAD_ROLE) parentPort?.on("message", onJob);
