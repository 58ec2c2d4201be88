import type { APICallError, LanguageModel } from "ai";
import { aiSdk } from "../models/ai-sdk.ts";
import type { RetrySettings } from "./runtime-config.ts";

/** A model call that kept failing with retryable errors: the last error, and how many attempts. */
export class RetriesExhaustedError extends Error {
  readonly attempts: number;
  readonly lastError: unknown;

  constructor(lastError: unknown, attempts: number) {
    super(
      `gave up after ${attempts} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      {
        cause: lastError,
      },
    );
    this.name = "RetriesExhaustedError";
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

/**
 * The model, retrying each call that fails with a retryable error (HTTP 408, 409, 429, 5xx, a
 * connection that could not be made) with exponential backoff, honouring Retry-After. Retries happen
 * per model call, inside a turn's tool loop, so a retry never re-runs tools. A stream is retried only
 * if it fails to start; one that breaks after sending text is not (the text was already delivered).
 */
export function withRetries(
  model: LanguageModel,
  settings: RetrySettings,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): LanguageModel {
  if (typeof model === "string" || model.specificationVersion !== "v3" || settings.maxRetries === 0)
    return model;
  const attempt = async <T>(call: () => PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> => {
    for (let n = 0; ; n++) {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || signal?.aborted === true) throw error;
        if (n >= settings.maxRetries) throw new RetriesExhaustedError(error, n + 1);
        const wait = delayFor(error, n, settings);
        onRetry?.(error, n + 1, wait);
        await sleep(wait, signal);
      }
    }
  };
  return aiSdk().wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: "v3",
      wrapGenerate: ({ doGenerate, params }) => attempt(doGenerate, params.abortSignal),
      wrapStream: ({ doStream, params }) => attempt(doStream, params.abortSignal),
    },
  });
}

export function isRetryable(error: unknown): boolean {
  return isApiCallError(error) && error.isRetryable;
}

/** True for the error of a provider's HTTP call, as the AI SDK raises it. */
export function isApiCallError(error: unknown): error is APICallError {
  return aiSdk().APICallError.isInstance(error);
}

/** The wait before retry `n` (0-based): the server's Retry-After when it gives one, else backoff. */
export function delayFor(error: unknown, n: number, settings: RetrySettings): number {
  const backoff = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** n);
  const headers = isApiCallError(error) ? error.responseHeaders : undefined;
  if (headers === undefined) return backoff;
  const ms = Number(headers["retry-after-ms"]);
  if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, settings.maxDelayMs);
  const seconds = Number(headers["retry-after"]);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, settings.maxDelayMs);
  return backoff;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
