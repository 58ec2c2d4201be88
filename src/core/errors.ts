/**
 * One error hierarchy with stable codes. Only the edges (HTTP `onError`, the CLI's `main`) translate
 * these into statuses and exit codes.
 */

export type ErrorCode =
  | "invalid_input"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "payload_too_large"
  | "unsupported_format"
  | "database_too_new"
  | "unavailable"
  | "internal"
  // Raised only at the HTTP edge, and by the HTTP client when a server answers with them.
  | "unauthorized"
  | "method_not_allowed"
  | "unsupported_media_type"
  | "rate_limited"
  | "timeout";

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  payload_too_large: 413,
  unsupported_format: 422,
  database_too_new: 500,
  unavailable: 503,
  internal: 500,
  unauthorized: 401,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  rate_limited: 429,
  timeout: 503,
};

const MARKER = Symbol.for("engram.error");

export interface EngramErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** Base class of every error engram raises on purpose. */
export class EngramError extends Error {
  readonly [MARKER] = true;
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: EngramErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EngramError";
    this.code = code;
    this.details = options.details;
  }

  /** Whether the caller, rather than engram, is at fault. */
  get isUserError(): boolean {
    return HTTP_STATUS[this.code] < 500;
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  /** Works across duplicate copies of the package, unlike `instanceof`. */
  static isInstance(error: unknown): error is EngramError {
    return typeof error === "object" && error !== null && MARKER in error;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export class InvalidInputError extends EngramError {
  constructor(message: string, options?: EngramErrorOptions) {
    super("invalid_input", message, options);
    this.name = "InvalidInputError";
  }
}

export class NotFoundError extends EngramError {
  constructor(message: string, options?: EngramErrorOptions) {
    super("not_found", message, options);
    this.name = "NotFoundError";
  }
}

/** A write named a head that is no longer current, or a name is taken. Nothing was written. */
export class ConflictError extends EngramError {
  constructor(message: string, options?: EngramErrorOptions) {
    super("conflict", message, options);
    this.name = "ConflictError";
  }
}

export class ForbiddenError extends EngramError {
  constructor(message: string, options?: EngramErrorOptions) {
    super("forbidden", message, options);
    this.name = "ForbiddenError";
  }
}

export class UnsupportedFormatError extends EngramError {
  constructor(message: string, options?: EngramErrorOptions) {
    super("unsupported_format", message, options);
    this.name = "UnsupportedFormatError";
  }
}

/** Converts anything thrown into an EngramError, keeping the original as `cause`. */
export function toEngramError(error: unknown): EngramError {
  if (EngramError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EngramError("internal", message, { cause: error });
}
