import type { APICallError } from "ai";
import { EngramError } from "../core/errors.ts";
import { isApiCallError, RetriesExhaustedError } from "./retry.ts";

/** Why a model call failed, as recorded in a failed turn's error record. */
export type ModelFailureReason =
  | "auth"
  | "rate_limited"
  | "provider_error"
  | "rejected"
  | "connection"
  | "timeout"
  | "cancelled"
  | "stream"
  | "empty_answer"
  | "model_error";

/** Tells apart a turn's own time-out from a caller's cancellation when the signal fires. */
export interface AbortState {
  timedOut: boolean;
  timeoutMs: number;
  aborted: boolean;
  /** The tool calls running now (id → tool name). */
  runningTools: Map<string, string>;
  /** The tools that were running when the turn timed out: it waited on them, not on the model. */
  waitingOn: string[];
}

/**
 * A model failure as an EngramError `unavailable` (503) with a message that says what to do, and
 * `details.reason` (and `status`, `attempts` when known). EngramErrors pass through unchanged.
 */
export function modelFailure(
  error: unknown,
  modelName: string,
  abort: AbortState,
  streaming = false,
): EngramError {
  if (EngramError.isInstance(error)) return error;
  if (abort.timedOut) {
    return fail(
      "timeout",
      abort.waitingOn.length === 0
        ? `model ${modelName} did not finish within ${abort.timeoutMs} ms`
        : `the turn did not finish within ${abort.timeoutMs} ms: it was waiting on tool ${abort.waitingOn.join(", ")}`,
      error,
    );
  }
  if (abort.aborted) return fail("cancelled", "the turn was cancelled before the model finished", error);
  let attempts: number | undefined;
  let cause = error;
  if (error instanceof RetriesExhaustedError) {
    attempts = error.attempts;
    cause = error.lastError;
  }
  const after = attempts === undefined ? "" : ` (after ${attempts} attempts)`;
  if (isApiCallError(cause)) {
    const status = cause.statusCode;
    const said = detail(cause);
    const extra = { status, attempts };
    // A 2xx status here means the response itself broke: a stream cut off, or a body that is not JSON.
    if (status !== undefined && status < 300) {
      return streaming
        ? fail("stream", `the stream from model ${modelName} broke off: ${streamCause(cause)}`, error, extra)
        : fail(
            "model_error",
            `model ${modelName} sent a response that could not be read${said}`,
            error,
            extra,
          );
    }
    if (status === 401 || status === 403)
      return fail(
        "auth",
        `model ${modelName} refused the credentials (HTTP ${status})${said}: check the provider's API key (OPENAI_API_KEY, ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, or OPENAI_COMPATIBLE_API_KEY)`,
        error,
        extra,
      );
    if (status === 429)
      return fail(
        "rate_limited",
        `model ${modelName} is rate-limited (HTTP 429)${after}${said}`,
        error,
        extra,
      );
    if (status !== undefined && status >= 500)
      return fail(
        "provider_error",
        `model ${modelName} failed (HTTP ${status})${after}${said}`,
        error,
        extra,
      );
    const setting = baseUrlSetting(modelName);
    if (status === 404)
      return fail(
        "rejected",
        `model ${modelName} was not found (HTTP 404)${said}${setting === undefined ? "" : `: check the model's name, and that ${setting} is the API's base URL`}`,
        error,
        extra,
      );
    if (status !== undefined)
      return fail(
        "rejected",
        `model ${modelName} rejected the request (HTTP ${status})${said}`,
        error,
        extra,
      );
    return fail(
      "connection",
      `could not reach model ${modelName}${after}: ${cause.message}${setting === undefined ? "" : ` (check ${setting}, and that the server there is running)`}`,
      error,
      extra,
    );
  }
  const message = errorMessage(cause);
  if (streaming) return fail("stream", `the stream from model ${modelName} broke off: ${message}`, error);
  return fail("model_error", `model ${modelName} failed: ${message}`, error);
}

function fail(
  reason: ModelFailureReason,
  message: string,
  cause: unknown,
  extra: { status?: number | undefined; attempts?: number | undefined } = {},
): EngramError {
  const details: Record<string, unknown> = { reason };
  if (extra.status !== undefined) details.status = extra.status;
  if (extra.attempts !== undefined) details.attempts = extra.attempts;
  return new EngramError("unavailable", message, { cause, details });
}

/**
 * What a thrown or reported error says. Providers report an error inside a stream as the plain
 * object their API sent (`{type: "overloaded_error", message: "Overloaded"}` from Anthropic,
 * `{message, type, code}` from OpenAI-compatible servers), not as an Error: its message and type
 * are kept rather than printed as "[object Object]".
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null) {
    const { message, type } = error as { message?: unknown; type?: unknown };
    if (typeof message === "string" && message !== "")
      return typeof type === "string" && type !== "" ? `${message} (${type})` : message;
    try {
      return JSON.stringify(error) ?? String(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

/** The setting that says where a `provider:model`'s API is, to name when it cannot be reached. */
function baseUrlSetting(modelName: string): string | undefined {
  const provider = modelName.slice(0, Math.max(0, modelName.indexOf(":")));
  return {
    openai: "OPENAI_BASE_URL",
    anthropic: "ANTHROPIC_BASE_URL",
    ollama: "OLLAMA_BASE_URL",
    "openai-compatible": "OPENAI_COMPATIBLE_BASE_URL",
  }[provider];
}

/** The provider's own words, when its error body says something short enough to repeat. */
function detail(error: APICallError): string {
  const text = error.message.trim();
  if (text === "" || text.length > 300) return "";
  return `: ${text}`;
}

/** What actually broke a stream the provider wrapped as "failed to process successful response". */
function streamCause(error: APICallError): string {
  const cause = error.cause;
  return cause instanceof Error && cause.message !== "" ? cause.message : error.message;
}
