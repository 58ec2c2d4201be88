import {
  ClientRequestSchema,
  ErrorCode,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { describeIssues } from "../core/validation.ts";

/**
 * What to do with one incoming JSON-RPC message: hand `message` to the MCP server, answer `error`
 * (JSON-RPC 2.0's own codes), or, for a notification or a response that is wrong, answer nothing —
 * JSON-RPC never answers those — and only log `problem`.
 */
export type CheckedMessage =
  | { message: JSONRPCMessage }
  | { error: JSONRPCErrorResponse }
  | { problem: string };

type RequestId = string | number;

/** The request schemas of the methods a client may call, by method name (from the MCP SDK). */
const REQUEST_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map(
  ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema as z.ZodType] as const),
);

/** Checks one line of the stdio transport: JSON first (−32700), then the message. */
export function checkLine(line: string): CheckedMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: errorResponse(null, ErrorCode.ParseError, `parse error: ${(error as Error).message}`) };
  }
  return checkMessage(value);
}

/**
 * Checks a parsed JSON-RPC message the way JSON-RPC 2.0 asks: −32600 for what is not a request
 * (with id null when the id cannot be read), −32602 for a known method's params that do not fit,
 * naming the field. Batches are refused: MCP has sent one message at a time since its 2025-06-18
 * revision, and the SDK's server answers a batch's requests as if they came alone.
 */
export function checkMessage(value: unknown): CheckedMessage {
  if (Array.isArray(value))
    return invalid(
      null,
      "batches are not supported: send each JSON-RPC message on its own (MCP removed batching in 2025-06-18)",
    );
  if (typeof value !== "object" || value === null)
    return invalid(null, `a JSON-RPC 2.0 message must be an object, got ${kindOf(value)}`);
  const message = value as Record<string, unknown>;
  const hasId = Object.hasOwn(message, "id");
  const id = hasId && isRequestId(message.id) ? message.id : null;
  const isCall = Object.hasOwn(message, "method");
  const isResponse = !isCall && (Object.hasOwn(message, "result") || Object.hasOwn(message, "error"));
  if (isResponse) {
    const parsed = JSONRPCMessageSchema.safeParse(message);
    return parsed.success
      ? { message: parsed.data }
      : { problem: `malformed response: ${issues(parsed.error)}` };
  }
  if (hasId && id === null)
    return invalid(null, `id: must be a string or an integer, got ${kindOf(message.id)}`);
  if (message.jsonrpc !== "2.0")
    return invalid(
      id,
      `jsonrpc: must be "2.0", got ${message.jsonrpc === undefined ? "nothing" : JSON.stringify(message.jsonrpc)}`,
    );
  if (!isCall)
    return invalid(
      id,
      "not a request: a JSON-RPC message needs a method (or, as a response, a result or an error)",
    );
  if (typeof message.method !== "string")
    return invalid(id, `method: must be a string, got ${kindOf(message.method)}`);
  if (
    Object.hasOwn(message, "params") &&
    (typeof message.params !== "object" || message.params === null || Array.isArray(message.params))
  ) {
    const reason = `params: must be an object, got ${kindOf(message.params)}`;
    return id === null ? { problem: `notification ${message.method}: ${reason}` } : invalidParams(id, reason);
  }
  const parsed = (id === null ? JSONRPCNotificationSchema : JSONRPCRequestSchema).safeParse(message);
  if (!parsed.success) {
    const reason = issues(parsed.error);
    return id === null ? { problem: `notification ${message.method}: ${reason}` } : invalid(id, reason);
  }
  const schema = id === null ? undefined : REQUEST_SCHEMAS.get(message.method);
  if (schema !== undefined) {
    // Checked here because the SDK would answer −32603 with the raw zod error.
    const fit = schema.safeParse({ method: message.method, params: message.params ?? {} });
    if (!fit.success) return invalidParams(id as RequestId, issues(fit.error));
  }
  return { message: parsed.data };
}

/** JSON-RPC 2.0's "invalid request" code, for callers that have not loaded the MCP SDK's types. */
export const JSON_RPC_INVALID_REQUEST: number = ErrorCode.InvalidRequest;

/** A JSON-RPC 2.0 error response. */
export function errorResponse(id: RequestId | null, code: number, message: string): JSONRPCErrorResponse {
  // The SDK's type has no null id, which JSON-RPC 2.0 requires when the request's id is unknown.
  return { jsonrpc: "2.0", id: id as RequestId, error: { code, message } };
}

function invalid(id: RequestId | null, reason: string): CheckedMessage {
  return { error: errorResponse(id, ErrorCode.InvalidRequest, `invalid request: ${reason}`) };
}

function invalidParams(id: RequestId, reason: string): CheckedMessage {
  return { error: errorResponse(id, ErrorCode.InvalidParams, `invalid params: ${reason}`) };
}

function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value));
}

function issues(error: z.ZodError): string {
  return describeIssues(error.issues);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}
