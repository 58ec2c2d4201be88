export { BLOCK_URI_TEMPLATE, blockUri } from "./block-resources.ts";
export { MCP_AUTHOR } from "./block-tools.ts";
export { handleMcpRequest, type McpHttpOptions } from "./http.ts";
export { createMcpServer, MCP_TOOLS, type McpServerOptions } from "./mcp-server.ts";
export { type StdioOptions, serveStdio } from "./stdio.ts";
