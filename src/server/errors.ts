import type { Hook, z } from "@hono/zod-openapi";
import type { Context, Env, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { EngramError, type ErrorCode, InvalidInputError } from "../core/errors.ts";
import { describeIssues, plainIssue } from "../core/validation.ts";
import { isClientAbort } from "./client-close.ts";
import type { AppEnv } from "./env.ts";

/** Error codes of the HTTP API: the engine's, plus a few only HTTP has. */
export type ApiErrorCode =
  | ErrorCode
  | "unsupported_media_type"
  | "method_not_allowed"
  | "unauthorized"
  | "rate_limited"
  | "timeout";

/** The body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: Record<string, unknown> };
}

/** An error only the HTTP edge raises (wrong media type, oversized body …), mapped by `onError`. */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ApiErrorCode;
  /** Headers the error response carries, e.g. `Retry-After` or `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: ContentfulStatusCode,
    code: ApiErrorCode,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const TARGETS: Record<string, string> = {
  json: "request body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/**
 * The zod-openapi `defaultHook`: a failed validation becomes 400 `invalid_input`, naming each field,
 * before the handler runs (so bad input changes nothing).
 */
export const validationHook: Hook<unknown, AppEnv, string, Response | undefined> = (result, c) => {
  if (result.success) return undefined;
  const error = invalidInput(TARGETS[result.target] ?? result.target, result.error.issues);
  return errorResponse(c, 400, error.toJSON());
};

/**
 * A route hook for a body that comes in more than one shape, e.g. one memory or `{memories: [...]}`.
 * zod reports a union that failed as a bare "Invalid input"; this reports the problems of the shape
 * the body chose by `shapeOf`, e.g. `invalid request body: memories.2.text: must not be empty`.
 * The other parts of the request fail as with `validationHook`.
 */
export function shapeHook<E extends Env = Env>(
  shapeOf: (body: unknown) => z.ZodType,
): Hook<unknown, E, string, undefined> {
  return (result) => {
    if (result.success) return undefined;
    let issues = result.error.issues;
    if (result.target === "json") {
      // On failure the validator passes the body as it arrived, as `data`.
      const body = (result as { data?: unknown }).data;
      const chosen = shapeOf(body).safeParse(body);
      if (!chosen.success) issues = chosen.error.issues;
    }
    // Thrown rather than returned: `errorHandler` makes it the same 400 that `validationHook` sends.
    throw invalidInput(TARGETS[result.target] ?? result.target, issues);
  };
}

/** Whether a JSON value is an object (not an array or null) that has `key`. */
export function hasKey(value: unknown, key: string): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, key);
}

/** An InvalidInputError for zod issues found in one part of a request, e.g. `invalid query: limit: …`. */
export function invalidInput(where: string, zodIssues: readonly z.core.$ZodIssue[]): InvalidInputError {
  const issues = zodIssues.map(plainIssue);
  return new InvalidInputError(`invalid ${where}: ${describeIssues(issues)}`, {
    details: { issues: issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })) },
  });
}

/** The status nginx made the convention for a request its client abandoned; never actually sent. */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * The one place errors become HTTP responses. Errors engram raised on purpose keep their code and
 * status; anything unexpected is a 500 with a generic message, reported through `onInternalError`.
 * A request that failed because its client went away is not an error of the server's: not reported.
 */
export function errorHandler(onInternalError: (error: unknown) => void): ErrorHandler {
  return (error, c) => {
    // No one is left to answer; the connection's close is logged as the client's (client-close.ts).
    if (isClientAbort(c, error)) return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    if (EngramError.isInstance(error)) {
      if (error.status >= 500) onInternalError(error);
      const body = error.toJSON();
      if (error.status >= 500 && error.code === "internal") body.message = "internal error";
      return errorResponse(c, error.status as ContentfulStatusCode, body);
    }
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return errorResponse(c, error.status, { code: error.code, message: error.message });
    }
    if (error instanceof HTTPException) return fromHttpException(c, error);
    onInternalError(error);
    return errorResponse(c, 500, { code: "internal", message: "internal error" });
  };
}

/** Unknown routes answer in the same JSON shape as every other error. */
export const notFoundHandler: NotFoundHandler = (c) =>
  errorResponse(c, 404, { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` });

/** Hono and zod-openapi raise HTTPException for a few request problems; give them engram's shape. */
function fromHttpException(c: Context, error: HTTPException): Response {
  switch (error.status) {
    case 400:
      return errorResponse(c, 400, { code: "invalid_input", message: `malformed request: ${error.message}` });
    case 404:
      return errorResponse(c, 404, { code: "not_found", message: error.message || "not found" });
    case 413:
      return errorResponse(c, 413, { code: "payload_too_large", message: "request body is too large" });
    case 415:
      return errorResponse(c, 415, {
        code: "unsupported_media_type",
        message: "request body must be JSON, sent with Content-Type: application/json",
      });
    default:
      return errorResponse(c, error.status, {
        code: error.status >= 500 ? "internal" : "invalid_input",
        message: error.status >= 500 ? "internal error" : error.message,
      });
  }
}

/** An error response built outside any route (e.g. when a request times out). */
export function errorJson(
  status: number,
  error: ApiErrorBody["error"],
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ error } satisfies ApiErrorBody), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function errorResponse(c: Context, status: ContentfulStatusCode, error: ApiErrorBody["error"]): Response {
  return c.json({ error } satisfies ApiErrorBody, status);
}
