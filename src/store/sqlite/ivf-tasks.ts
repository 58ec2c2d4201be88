import { EngramError } from "../../core/errors.ts";
import type { VectorSpace } from "../store.ts";
import type { RetrainReport } from "./ivf-retrain.ts";

/** Runs one retraining, yielding through `pause`; its report, or null when none ran to its end. */
export type RetrainRun = (
  space: VectorSpace,
  agentId: string,
  pause: () => Promise<boolean>,
) => Promise<RetrainReport | null>;

/**
 * The retrainings of a vector store's lists running in this process: at most one per agent and
 * space, in the background (between other work) or awaited, stopped by `close`.
 */
export class RetrainTasks {
  readonly #tasks = new Map<string, Promise<unknown>>();
  readonly #errors = new Map<string, string>();
  readonly #isOpen: () => boolean;
  /** Callers awaiting `runNow` or `settled`: while there are any, slices keep the process alive. */
  #waiting = 0;
  #reports: RetrainReport[] = [];
  #closed = false;

  /** `isOpen` says whether the store can still be worked on (false after a reset, say). */
  constructor(isOpen: () => boolean) {
    this.#isOpen = isOpen;
  }

  /**
   * Starts a retraining in the background unless one runs here already, or one failed here (the
   * old lists keep serving; the next open tries again). `finished` runs when it has run to its end.
   */
  schedule(space: VectorSpace, agentId: string, run: RetrainRun, finished?: () => void): void {
    const key = taskKey(space, agentId);
    if (this.#closed || this.#tasks.has(key) || this.#errors.has(key)) return;
    this.#tasks.set(
      key,
      this.#run(key, space, agentId, run).then((completed) => {
        if (!completed || this.#closed || !this.#isOpen()) return;
        try {
          finished?.();
        } catch (error) {
          this.#errors.set(key, error instanceof Error ? error.message : String(error));
        }
      }),
    );
  }

  /** Runs a retraining and waits for it, after any under way for the same agent and space. */
  async runNow(space: VectorSpace, agentId: string, run: RetrainRun): Promise<void> {
    const key = taskKey(space, agentId);
    this.#waiting++;
    try {
      await this.#tasks.get(key);
      this.#errors.delete(key);
      const running = this.#run(key, space, agentId, run);
      this.#tasks.set(key, running);
      await running;
      const error = this.#errors.get(key);
      if (error !== undefined) throw new EngramError("internal", `retraining failed: ${error}`);
    } finally {
      this.#waiting--;
    }
  }

  /**
   * Waits until no retraining runs (including ones that start meanwhile). Returns the reports of
   * retrainings finished since the last call (the last 16 at most).
   */
  async settled(): Promise<RetrainReport[]> {
    this.#waiting++;
    // Background slices let the process exit; a caller waiting on them wants it kept alive.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks.values()]);
    } finally {
      clearInterval(keepAlive);
      this.#waiting--;
    }
    const reports = this.#reports;
    this.#reports = [];
    return reports;
  }

  running(space: VectorSpace, agentId: string): boolean {
    return this.#tasks.has(taskKey(space, agentId));
  }

  /** Stops every retraining at its next pause (each resumes at the next open). */
  close(): void {
    this.#closed = true;
  }

  /** Runs one retraining; whether it ran to its end. */
  async #run(key: string, space: VectorSpace, agentId: string, run: RetrainRun): Promise<boolean> {
    try {
      // Out of the caller's transaction and call stack before the first read.
      if (!(await this.#pause())) return false;
      const report = await run(space, agentId, () => this.#pause());
      if (report !== null) this.#reports = [...this.#reports.slice(-15), report];
      this.#errors.delete(key);
      return report !== null;
    } catch (error) {
      if (!this.#closed) this.#errors.set(key, error instanceof Error ? error.message : String(error));
      return false;
    } finally {
      this.#tasks.delete(key);
    }
  }

  /**
   * Yields to other work; false once closing. With a caller waiting, at once; else on an
   * unreferenced timer, which still fires while the process has other work (a server), but lets a
   * process with nothing else to do exit (a retraining left half-way resumes at the next open).
   */
  #pause(): Promise<boolean> {
    return new Promise((resolve) => {
      const go = () => resolve(!this.#closed && this.#isOpen());
      if (this.#waiting > 0) setImmediate(go);
      else setTimeout(go, 0).unref();
    });
  }
}

const taskKey = (space: VectorSpace, agentId: string) => `${space}\u0000${agentId}`;
