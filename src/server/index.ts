export type { McpHttpOptions, McpServerOptions, StdioOptions } from "../mcp/index.ts";
export { createMcpServer, handleMcpRequest, serveStdio } from "../mcp/index.ts";
export type { AppOptions } from "./app.ts";
export { createApp, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_IMPORT_BYTES } from "./app.ts";
export type { ApiErrorBody, ApiErrorCode } from "./errors.ts";
export type { RunningServer, ServerOptions } from "./serve.ts";
export { DEFAULT_HOST, DEFAULT_PORT, startServer } from "./serve.ts";
