import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createKeyInput } from "../../keys/key-service.ts";
import type { AppEnv } from "../env.ts";
import {
  ApiKeySchema,
  booleanQuery,
  CreatedKeySchema,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const keyParams = z.object({
  keyId: z
    .string()
    .min(1)
    .openapi({ param: { name: "keyId", in: "path" }, description: "key id (key_…)" }),
});

const list = createRoute({
  method: "get",
  path: "/v1/keys",
  operationId: "keys.list",
  tags: ["keys"],
  summary: "API keys (never their secrets), oldest first: with auth, the caller's project's only",
  request: {
    query: z.object({
      project: z.string().min(1).optional().openapi({ description: "project id or name" }),
      revoked: booleanQuery.openapi({ description: "include revoked keys (default false)" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(ApiKeySchema, "ApiKeyPage"), "a page of keys"),
    ...errorResponses(400, 404),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/keys",
  operationId: "keys.create",
  tags: ["keys"],
  summary: "Create an API key; the response is the only time its secret is shown",
  description:
    "With auth, the key is for the caller's project (e.g. to rotate keys). Without auth, `project` is required and created when missing.",
  request: { body: jsonRequest(createKeyInput, false) },
  responses: {
    201: jsonResponse(CreatedKeySchema, "the key, with its secret `key`"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/keys/{keyId}",
  operationId: "keys.get",
  tags: ["keys"],
  summary: "One API key (never its secret)",
  request: { params: keyParams },
  responses: { 200: jsonResponse(ApiKeySchema, "the key"), ...errorResponses(404) },
});

const revoke = createRoute({
  method: "delete",
  path: "/v1/keys/{keyId}",
  operationId: "keys.revoke",
  tags: ["keys"],
  summary: "Revoke an API key (a key may revoke itself); revoking twice changes nothing",
  request: { params: keyParams },
  responses: { 200: jsonResponse(ApiKeySchema, "the revoked key"), ...errorResponses(404) },
});

/** `/v1/keys` and `/v1/keys/{keyId}`. */
export function registerKeyRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { revoked, ...query } = c.req.valid("query");
    return c.json(await c.var.engram.keys.list({ ...query, includeRevoked: revoked }), 200);
  });
  app.openapi(create, async (c) => {
    const created = await c.var.engram.keys.create(c.req.valid("json") ?? {}, { createProject: true });
    return c.json({ key: created.key, project: created.project.name, ...created.apiKey }, 201);
  });
  app.openapi(get, async (c) => c.json(await c.var.engram.keys.get(c.req.valid("param").keyId), 200));
  app.openapi(revoke, async (c) => c.json(await c.var.engram.keys.revoke(c.req.valid("param").keyId), 200));
}
