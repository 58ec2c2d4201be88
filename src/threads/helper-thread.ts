import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { TaskInput, TaskName, TaskOutput } from "./helper-tasks.ts";
import { type TaskMessage, THREAD_ROLE } from "./helper-thread-worker.ts";

/**
 * How long a wait for the thread blocks before the caller computes the result itself. A task takes
 * milliseconds; one not done in this time means a thread that died or hangs, and it is given up.
 */
let waitMs = 10_000;

/** Sets how long a wait blocks before the thread is given up (tests, which cannot wait 10 s). */
export function setHelperThreadTimeout(ms: number): void {
  waitMs = ms;
}

/**
 * A task handed to the helper thread. `wait` blocks the calling thread until the result is there
 * (a write waits inside its transaction, where it cannot yield); `settled` waits without blocking.
 * Both give null when the thread failed the task, died, or did not answer in time: the caller then
 * computes the result itself, so a task never fails for lack of the thread.
 */
export interface ThreadTask<T> {
  wait(): T | null;
  settled(): Promise<T | null>;
}

/**
 * Starts a task on the process's helper thread (pure CPU work: hashing texts into vectors,
 * analysing their words), or returns null when there is no thread to run it.
 */
export function startOnThread<N extends TaskName>(
  name: N,
  input: TaskInput<N>,
): ThreadTask<TaskOutput<N>> | null {
  return HelperThread.shared()?.run(name, input) ?? null;
}

/**
 * `startOnThread`, but only on a thread that is up already: otherwise it starts the thread for
 * later tasks and returns null at once. For work the caller does as well alone, where waiting for
 * a thread to boot would cost more than it saves: a process that exits right after (a command)
 * would also wait for the new thread to report the task done before it could exit.
 */
export function startOnReadyThread<N extends TaskName>(
  name: N,
  input: TaskInput<N>,
): ThreadTask<TaskOutput<N>> | null {
  const thread = HelperThread.shared();
  return thread?.online === true ? thread.run(name, input) : null;
}

/** Starts the helper thread now (it boots in tens of milliseconds), so that it is up at first use. */
export function prestartHelperThread(): void {
  HelperThread.shared();
}

/**
 * One task: its state word (0 working, 1 done, 2 failed) and the port its result arrives on.
 * `timedOut` gives the thread up, as dead or stuck.
 */
class Task<T> implements ThreadTask<T> {
  readonly #state: Int32Array;
  readonly #port: MessagePort;
  readonly #timedOut: () => void;
  #result: { value: T | null } | undefined;

  constructor(state: Int32Array, port: MessagePort, timedOut: () => void) {
    this.#state = state;
    this.#port = port;
    this.#timedOut = timedOut;
  }

  wait(): T | null {
    if (Atomics.load(this.#state, 0) === 0 && Atomics.wait(this.#state, 0, 0, waitMs) === "timed-out")
      this.#timedOut();
    return this.#take();
  }

  async settled(): Promise<T | null> {
    const waiting = Atomics.waitAsync(this.#state, 0, 0, waitMs);
    if (waiting.async && (await waiting.value) === "timed-out") this.#timedOut();
    return this.#take();
  }

  /** The thread posts the result before it flags the task done, so a done task's result is queued. */
  #take(): T | null {
    if (this.#result === undefined) {
      const received = Atomics.load(this.#state, 0) === 1 ? receiveMessageOnPort(this.#port) : undefined;
      this.#result = { value: received === undefined ? null : (received.message as T) };
      this.#port.close();
    }
    return this.#result.value;
  }
}

/**
 * The process's one helper thread, started at first use. It keeps the process alive only while it
 * has tasks (it reports each one done); if it dies, its unfinished tasks give null to whoever waits
 * for them, and later tasks are not started (their callers compute the results themselves).
 */
class HelperThread {
  /** The thread; null when it cannot run (its module is not beside this one, as in a single-file bundle, or it died). */
  static #shared: HelperThread | null | undefined;

  static shared(): HelperThread | null {
    if (HelperThread.#shared === undefined) {
      const extension = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
      const url = new URL(`./helper-thread-worker${extension}`, import.meta.url);
      try {
        HelperThread.#shared = existsSync(fileURLToPath(url)) ? new HelperThread(url) : null;
      } catch {
        // Options of this process a worker cannot take, say: compute inline.
        HelperThread.#shared = null;
      }
    }
    return HelperThread.#shared;
  }

  readonly #worker: Worker;
  /** The state words of tasks not yet reported done, oldest first (the thread runs them in order). */
  readonly #pending: Int32Array[] = [];
  #online = false;

  /** Whether the thread has begun running (it was started a while ago, not just now). */
  get online(): boolean {
    return this.#online;
  }

  private constructor(url: URL) {
    // The process's options (inherited by default), but for one that applies to its entry point only.
    const entryOnly = (option: string) => option.startsWith("--input-type");
    this.#worker = new Worker(url, {
      workerData: THREAD_ROLE,
      ...(process.execArgv.some(entryOnly)
        ? { execArgv: process.execArgv.filter((o) => !entryOnly(o)) }
        : {}),
    });
    this.#worker.on("online", () => {
      this.#online = true;
    });
    this.#worker.on("message", () => {
      this.#pending.shift();
      if (this.#pending.length === 0) this.#worker.unref();
    });
    this.#worker.on("error", () => this.#giveUp());
    this.#worker.on("exit", () => this.#giveUp());
    // After the listeners: adding a message listener refs the worker again.
    this.#worker.unref();
  }

  /**
   * No more tasks go to this thread, and those it has not done fail (their callers compute the
   * results). A thread that died says so by an event; one whose task timed out is stopped. A wait
   * inside a transaction blocks the event loop, where that event would arrive: without the timeout,
   * every later task would wait for a dead thread.
   */
  #giveUp(): void {
    if (HelperThread.#shared === this) HelperThread.#shared = null;
    for (const state of this.#pending.splice(0)) {
      Atomics.compareExchange(state, 0, 0, 2);
      Atomics.notify(state, 0);
    }
    void this.#worker.terminate().catch(() => {});
  }

  run<N extends TaskName>(name: N, input: TaskInput<N>): Task<TaskOutput<N>> {
    const state = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    if (this.#pending.length === 0) this.#worker.ref();
    this.#pending.push(state);
    const message: TaskMessage = { name, input, state, port: port2 };
    this.#worker.postMessage(message, [port2]);
    return new Task(state, port1, () => this.#giveUp());
  }
}
