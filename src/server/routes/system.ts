import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { HealthSchema, jsonResponse } from "../schemas.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  operationId: "system.health",
  tags: ["system"],
  summary: "Whether the server is up, and what its store can do",
  responses: { 200: jsonResponse(HealthSchema, "the server is up") },
});

/** `GET /health`. */
export function registerSystemRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(health, (c) =>
    c.json(
      {
        status: "ok" as const,
        store: c.var.engram.store.kind,
        capabilities: c.var.engram.store.capabilities,
        warnings: [...c.var.engram.warnings],
      },
      200,
    ),
  );
}
