import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import { EngramError, type ErrorCode } from "../core/errors.ts";
import { moduleUrl } from "../core/module-url.ts";
import type { Writable } from "./context.ts";

/**
 * `engram serve --workers N`: N processes serve one port (node:cluster hands each new connection to
 * one of them) over the same SQLite file, so searches use every core and one process's fsync does
 * not stall the others. Each worker is a full `engram serve` on its own connection to the database;
 * SQLite (WAL, busy timeout) and the engine's checks (expected heads and versions, inside each
 * write's transaction) keep their writes consistent, as with any processes sharing a database.
 */

/** What a worker tells the primary. */
type WorkerMessage =
  | { type: "listening"; url: string; host: string; port: number; auth: boolean }
  | { type: "failed"; code: ErrorCode; message: string };

const MAIN = fileURLToPath(moduleUrl("./main", import.meta.url));

/** Whether this process is a worker that a `serve --workers` primary started. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker: tells the primary where it listens. */
export function reportListening(info: { url: string; host: string; port: number; auth: boolean }): void {
  process.send?.({ type: "listening", ...info } satisfies WorkerMessage);
}

/** In a worker: tells the primary why it could not start. */
export function reportFailure(error: unknown): void {
  const failure = EngramError.isInstance(error) ? error : null;
  process.send?.({
    type: "failed",
    code: failure?.code ?? "internal",
    message: failure?.message ?? (error instanceof Error ? error.message : String(error)),
  } satisfies WorkerMessage);
}

/** In a worker: resolves when the primary asks it to stop, or goes away. */
export function primaryStops(): Promise<string> {
  return new Promise((resolve) => {
    process.on("message", (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === "shutdown") resolve("shutdown");
    });
    process.once("disconnect", () => resolve("primary gone"));
  });
}

/** In a worker that has closed everything: lets go of the primary, so the process can end. */
export function leaveCluster(): void {
  if (cluster.isWorker && process.connected) process.disconnect();
}

export interface ClusterOptions {
  workers: number;
  /** The `serve` command line each worker runs (without `node main.ts`). */
  argv: readonly string[];
  /** Variables each worker's environment adds to this process's. */
  env?: Record<string, string> | undefined;
  stderr: Writable;
  /** How long workers may take to stop before they are killed. */
  stopTimeoutMs: number;
}

export interface RunningCluster {
  url: string;
  host: string;
  port: number;
  auth: boolean;
  /** Asks every worker to finish its requests and close the database; resolves when all have. */
  stop(): Promise<void>;
}

/** The first wait before a replacement worker that could not start is started again; it doubles up to the last. */
const RETRY_FIRST_MS = 1_000;
const RETRY_LAST_MS = 30_000;

/**
 * Starts the workers and resolves once every one listens. A worker that fails to start fails the
 * whole start (the others are stopped); one that dies later is replaced, and a replacement that
 * cannot start (the database unreachable for a while) is started again after a growing wait.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  // Workers print nothing of their own: the primary speaks for them. Their stderr (crashes) is passed on.
  cluster.setupPrimary({ exec: MAIN, args: [...options.argv], silent: true });
  const workers = new Set<Worker>();
  let stopping = false;
  let started = false;
  let retryMs = 0;
  const retries = new Set<NodeJS.Timeout>();
  let ready: ((info: Extract<WorkerMessage, { type: "listening" }>) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;

  const fork = (): Worker => {
    const worker = cluster.fork(options.env);
    workers.add(worker);
    worker.process.stdout?.resume();
    worker.process.stderr?.on("data", (chunk: Buffer) => options.stderr.write(chunk.toString()));
    let listening = false;
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "listening") {
        listening = true;
        retryMs = 0;
        ready?.(message);
      } else if (message.type === "failed") {
        failed?.(new EngramError(message.code, message.message));
        // Once serving, a replacement that could not start is ended here and started again later.
        if (started) worker.process.kill("SIGKILL");
      }
    });
    worker.once("exit", (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      if (!listening && !started) {
        failed?.(
          new EngramError("internal", `a server worker exited with ${signal ?? code} before listening`),
        );
        return;
      }
      if (!listening) {
        retryMs = retryMs === 0 ? RETRY_FIRST_MS : Math.min(2 * retryMs, RETRY_LAST_MS);
        options.stderr.write(
          `engram: a replacement server worker exited with ${signal ?? code} before listening; trying again in ${retryMs / 1000} s\n`,
        );
        const retry = setTimeout(() => {
          retries.delete(retry);
          if (!stopping) fork();
        }, retryMs);
        retries.add(retry);
        return;
      }
      options.stderr.write(
        `engram: server worker ${worker.process.pid} exited with ${signal ?? code}; starting another\n`,
      );
      fork();
    });
    return worker;
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    for (const retry of retries) clearTimeout(retry);
    retries.clear();
    const exits = [...workers].map(
      (worker) =>
        new Promise<string | null>((resolve) =>
          worker.once("exit", (code, signal) => resolve(code === 0 ? null : `${signal ?? code}`)),
        ),
    );
    for (const worker of workers) {
      if (worker.isConnected()) worker.send({ type: "shutdown" });
      const kill = setTimeout(() => worker.process.kill("SIGKILL"), options.stopTimeoutMs);
      worker.once("exit", () => clearTimeout(kill));
    }
    const failures = (await Promise.all(exits)).filter((failure) => failure !== null);
    if (failures.length > 0)
      throw new EngramError(
        "internal",
        `${failures.length} server worker(s) did not stop cleanly (${failures.join(", ")})`,
      );
  };

  try {
    const listening = await new Promise<Extract<WorkerMessage, { type: "listening" }>>((resolve, reject) => {
      let count = 0;
      ready = (info) => {
        if (++count === options.workers) resolve(info);
      };
      failed = reject;
      for (let i = 0; i < options.workers; i++) fork();
    });
    ready = undefined;
    started = true;
    failed = (error) => options.stderr.write(`engram: ${error.message}\n`);
    return { url: listening.url, host: listening.host, port: listening.port, auth: listening.auth, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
