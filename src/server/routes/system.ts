import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Engram } from "../../engram.ts";
import { HealthSchema, jsonResponse } from "../schemas.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Whether the server is up, and what its store can do",
  responses: { 200: jsonResponse(HealthSchema, "the server is up") },
});

/** `GET /health`. */
export function registerSystemRoutes(app: OpenAPIHono, engram: Engram): void {
  app.openapi(health, (c) =>
    c.json(
      {
        status: "ok" as const,
        store: engram.store.kind,
        capabilities: engram.store.capabilities,
        warnings: [...engram.warnings],
      },
      200,
    ),
  );
}
