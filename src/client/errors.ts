import {
  ConflictError,
  EngramError,
  type EngramErrorOptions,
  type ErrorCode,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnsupportedFormatError,
} from "../core/errors.ts";

/** The classes the engine throws, by code: a client caller catches what a library caller would. */
const CLASSES: Partial<
  Record<ErrorCode, new (message: string, options?: EngramErrorOptions) => EngramError>
> = {
  invalid_input: InvalidInputError,
  not_found: NotFoundError,
  conflict: ConflictError,
  forbidden: ForbiddenError,
  unsupported_format: UnsupportedFormatError,
};

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "invalid_input",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unsupported_format",
  429: "rate_limited",
  503: "unavailable",
};

/** An error as the API sends it: `{"error": {code, message, details?}}`. */
export function errorFromJSON(
  error: { code: string; message: string; details?: Record<string, unknown> },
  options: { cause?: unknown } = {},
): EngramError {
  // A code this copy does not know (a newer server) keeps its message but reads as `internal`.
  const code = (isKnownCode(error.code) ? error.code : "internal") as ErrorCode;
  const init = { cause: options.cause, details: error.details };
  const Class = CLASSES[code];
  return Class === undefined ? new EngramError(code, error.message, init) : new Class(error.message, init);
}

/** Maps an error response back to the EngramError the engine raised behind it. */
export async function errorFromResponse(response: Response, where: string): Promise<EngramError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  if (isErrorBody(error)) {
    const retryAfter = response.headers.get("retry-after");
    return errorFromJSON(
      retryAfter === null
        ? error
        : { ...error, details: { ...error.details, retryAfter: Number(retryAfter) } },
    );
  }
  // Not engram's shape (a proxy, a wrong URL): keep the status and the start of what came back.
  const code = CODE_BY_STATUS[response.status] ?? "internal";
  return errorFromJSON({
    code,
    message: `${where}: HTTP ${response.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`,
    details: { status: response.status },
  });
}

/** A server that could not be reached: `unavailable`, naming the URL. */
export function unreachable(url: string, cause: unknown): EngramError {
  const reason = cause instanceof Error ? (describeCause(cause) ?? cause.message) : String(cause);
  return new EngramError("unavailable", `engram server at ${url} is unreachable: ${reason}`, {
    cause,
    details: { url },
  });
}

function describeCause(error: Error): string | undefined {
  // fetch wraps the socket's error (ECONNREFUSED …) as its cause; that is the useful part.
  const inner = error.cause;
  if (inner instanceof Error) return `${error.message} (${inner.message})`;
  return undefined;
}

function isErrorBody(
  value: unknown,
): value is { code: string; message: string; details?: Record<string, unknown> } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

function isKnownCode(code: string): boolean {
  return new EngramError(code as ErrorCode, "").status !== undefined;
}
