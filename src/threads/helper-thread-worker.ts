import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { TASKS, type TaskName } from "./helper-tasks.ts";

/** A task as the helper thread receives it (see helper-thread.ts). */
export interface TaskMessage {
  name: TaskName;
  input: unknown;
  /** Int32 state word: 0 working, 1 done, 2 failed. */
  state: Int32Array;
  /** Where the result goes, posted before the state says done. */
  port: MessagePort;
}

/**
 * Runs one task, posts its result (an output's transferable buffers are moved, not copied), then
 * flags it done (or failed) and wakes whoever waits on its state word.
 */
function runTask({ name, input, state, port }: TaskMessage): void {
  try {
    const { output, transfer } = (
      TASKS[name] as (input: unknown) => { output: unknown; transfer: ArrayBuffer[] }
    )(input);
    port.postMessage(output, transfer);
    Atomics.store(state, 0, 1);
  } catch {
    Atomics.store(state, 0, 2);
  }
  // Closed (both ends): the result stays queued for the waiting side, and a task no one waits for
  // leaves no open port behind.
  port.close();
  Atomics.notify(state, 0);
}

/** Runs a task, then tells the main thread it is done (so it can let the process exit). */
function onTask(message: TaskMessage): void {
  runTask(message);
  parentPort?.postMessage(null);
}

/** Marks the worker that runs this module as engram's helper thread (see helper-thread.ts). */
export const THREAD_ROLE = "engram-helper-thread";

// Only in the thread started for this role: an application's own worker may import engram too.
if (workerData === THREAD_ROLE) parentPort?.on("message", onTask);
