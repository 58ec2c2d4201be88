import { EngramError } from "../../core/errors.ts";

/** The URL with any password replaced, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparseable database URL)";
  }
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether a `pg` error is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/** Whether a `pg` error is a FOREIGN KEY violation (e.g. a row of an agent that does not exist). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === "23503";
}

/**
 * Whether an error means the connection, not the statement, failed: the server went away, refused
 * the connection, or could not be resolved (node's `E…` codes, SQLSTATE class 08, admin shutdown).
 */
export function isConnectionError(error: unknown): boolean {
  const code = sqlState(error);
  if (code === undefined) return error instanceof Error && /Connection terminated/i.test(error.message);
  return code.startsWith("08") || code === "57P01" || code === "57P03" || /^E[A-Z]/.test(code);
}

/** Whether an error is engram's `unavailable` (what a connection failure becomes). */
export function isUnavailable(error: unknown): boolean {
  return EngramError.isInstance(error) && error.code === "unavailable";
}

/**
 * What a failure to talk to the server becomes: an `unavailable` error naming the server (never its
 * password) and the reason; so does a statement cut by a lock or statement time-out, which a retry
 * may get through. Errors that are not about the connection come back unchanged.
 */
export function describeConnectionError(error: unknown, where: string): unknown {
  if (EngramError.isInstance(error)) return error;
  const code = sqlState(error);
  const message = error instanceof Error ? error.message : String(error);
  let reason: string | null = null;
  if (code === "28P01" || code === "28000") reason = "authentication failed";
  else if (code === "3D000") reason = "the database does not exist";
  else if (code === "25006") reason = "the server is read-only";
  // Time-outs an operator set on engram's role (docs/operations.md): the statement was rolled back.
  else if (code === "55P03") reason = `a lock was not granted within lock_timeout: ${message}`;
  else if (code === "57014")
    reason = `the statement was cancelled (statement_timeout, or by an administrator): ${message}`;
  else if (isConnectionError(error) || /timeout/i.test(message)) reason = message;
  if (reason === null) return error;
  return new EngramError("unavailable", `PostgreSQL at ${where}: ${reason}`, { cause: error });
}
