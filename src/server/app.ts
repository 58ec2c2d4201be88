import { OpenAPIHono } from "@hono/zod-openapi";
import type { Engram } from "../engram.ts";
import { jsonBody } from "./body.ts";
import { errorHandler, notFoundHandler, validationHook } from "./errors.ts";
import { registerAgentRoutes } from "./routes/agents.ts";
import { registerBlockRoutes } from "./routes/blocks.ts";
import { registerBranchRoutes } from "./routes/branches.ts";
import { registerContextRoutes } from "./routes/context.ts";
import { registerEventRoutes } from "./routes/events.ts";
import { registerEvolutionRoutes } from "./routes/evolution.ts";
import { registerExperienceRoutes } from "./routes/experience.ts";
import { registerHistoryRoutes } from "./routes/history.ts";
import { registerInsightRoutes } from "./routes/insights.ts";
import { MCP_PATH, registerMcpRoute } from "./routes/mcp.ts";
import { registerMemoryRoutes } from "./routes/memories.ts";
import { registerMessageRoutes } from "./routes/messages.ts";
import { registerProjectRoutes } from "./routes/projects.ts";
import { registerSearchRoutes } from "./routes/search.ts";
import { registerSleeptimeRoutes } from "./routes/sleeptime.ts";
import { registerSystemRoutes } from "./routes/system.ts";
import { registerTransferRoutes } from "./routes/transfer.ts";
import { packageVersion } from "./version.ts";

/** Default largest request body: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default largest body of `POST /v1/import`, which carries a whole agent's history: 64 MiB. */
export const DEFAULT_MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const IMPORT_PATH = "/v1/import";

export interface AppOptions {
  /** The engine the API serves. The app never closes it. */
  engram: Engram;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Largest body of `POST /v1/import` (default 64 MiB). */
  maxImportBytes?: number;
  /** Told about every unexpected (500) error, whose details the client never sees. Default: stderr. */
  onInternalError?: (error: unknown) => void;
}

/**
 * The engram HTTP API as a Hono app: JSON under `/v1`, `GET /health`, the MCP server at `POST /mcp`,
 * and its OpenAPI 3.1 document at `/openapi.json`. Every error is `{"error":{"code","message"}}` with the matching status.
 *
 * @example
 * const app = createApp({ engram: createEngram({ path: ":memory:" }) });
 * const res = await app.request("/v1/agents", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ name: "helper" }),
 * });
 */
export function createApp(options: AppOptions): OpenAPIHono {
  const { engram } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxImportBytes = options.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  const app = new OpenAPIHono({ defaultHook: validationHook });
  const reportInternal = options.onInternalError ?? reportToStderr;
  app.onError(errorHandler(reportInternal));
  app.notFound(notFoundHandler);
  const json = jsonBody((c) => (c.req.path === IMPORT_PATH ? maxImportBytes : maxBodyBytes));
  // The MCP transport reads its own body, with its own limit and JSON-RPC errors.
  app.use("*", (c, next) => (c.req.path === MCP_PATH ? next() : json(c, next)));
  registerSystemRoutes(app, engram);
  registerProjectRoutes(app, engram);
  registerAgentRoutes(app, engram);
  registerBlockRoutes(app, engram);
  registerHistoryRoutes(app, engram);
  registerBranchRoutes(app, engram);
  registerEventRoutes(app, engram);
  registerMemoryRoutes(app, engram);
  registerMessageRoutes(app, engram);
  registerContextRoutes(app, engram);
  registerSearchRoutes(app, engram);
  registerTransferRoutes(app, engram);
  registerExperienceRoutes(app, engram);
  registerInsightRoutes(app, engram);
  registerMcpRoute(app, () => engram, { maxBodyBytes, onInternalError: reportInternal });
  registerEvolutionRoutes(app, engram);
  registerSleeptimeRoutes(app, engram);
  // Built on first request, when every route is registered, then reused: the routes never change.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "engram",
        version: packageVersion(),
        description: "Versioned memory for LLM agents that learn in token space.",
      },
    });
    return c.json(document);
  });
  return app;
}

function reportToStderr(error: unknown): void {
  console.error("engram server: internal error:", error);
}
