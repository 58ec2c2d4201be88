/**
 * The HTTP API as a Hono app to mount or serve, and the MCP server over stdio or streamable HTTP.
 *
 * @module engram/server
 */
export type { McpHttpOptions, McpServerOptions, StdioOptions } from "../mcp/index.ts";
export { createMcpServer, handleMcpRequest, serveStdio } from "../mcp/index.ts";
export type { AppOptions } from "./app.ts";
export {
  createApp,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_IMPORT_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from "./app.ts";
export type { AuthFailureOptions } from "./auth-failures.ts";
export { DEFAULT_AUTH_FAILURES_PER_MINUTE } from "./auth-failures.ts";
export type { ClosedRequest } from "./client-close.ts";
export type { AppEnv } from "./env.ts";
export type { ApiErrorBody, ApiErrorCode } from "./errors.ts";
export type { RateLimitOptions } from "./rate-limit.ts";
export { DEFAULT_RATE_BURST, DEFAULT_RATE_LIMIT } from "./rate-limit.ts";
export type { EventStreamOptions } from "./routes/event-stream.ts";
export type { RunningServer, ServerOptions } from "./serve.ts";
export { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SHUTDOWN_GRACE_MS, isLoopback, startServer } from "./serve.ts";
export { DEFAULT_REQUEST_TIMEOUT_MS } from "./timeout.ts";
