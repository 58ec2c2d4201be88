import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type OutboundPolicy, UNRESTRICTED } from "../../webhooks/outbound-policy.ts";
import { webhookInput, webhookPatch } from "../../webhooks/webhook-service.ts";
import type { AppEnv } from "../env.ts";
import {
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const WebhookSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    secretPreview: z.string().openapi({ description: "the start of the signing secret" }),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    cursor: z.number().int().openapi({ description: "seq of the last event sent or given up on" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Webhook");

const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: "the signing secret: shown this once only" }),
}).openapi("CreatedWebhook");

const DeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventSeq: z.number().int(),
    eventId: z.string(),
    eventKind: z.string(),
    attempt: z.number().int(),
    status: z.number().int().nullable(),
    ok: z.boolean(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("WebhookDelivery");

const webhookParams = z.object({
  webhookId: z
    .string()
    .min(1)
    .openapi({ param: { name: "webhookId", in: "path" }, description: "webhook id (whk_…)" }),
});

const create = createRoute({
  method: "post",
  path: "/v1/webhooks",
  operationId: "webhooks.create",
  tags: ["webhooks"],
  summary: "Add a webhook: the project's events of the given kinds are POSTed to url, signed",
  description: [
    "Each delivery is a JSON body {webhookId, event} with `engram-signature: v1=<hex HMAC-SHA256 of",
    "`<engram-timestamp>.<body>` with the secret>`; failed deliveries are retried with backoff and the",
    "webhook is disabled after repeated failures. With auth, url must be on the server's outbound",
    "allowlist (engram serve --allow-url). The response is the only time the whole secret is shown.",
  ].join(" "),
  request: { body: jsonRequest(webhookInput) },
  responses: {
    201: jsonResponse(CreatedWebhookSchema, "the webhook, with its secret"),
    ...errorResponses(400, 403, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/webhooks",
  operationId: "webhooks.list",
  tags: ["webhooks"],
  summary: "Webhooks (never their secrets), oldest first: with auth, the caller's project's only",
  request: {
    query: z.object({
      project: z.string().min(1).optional().openapi({ description: "project id or name" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(WebhookSchema, "WebhookPage"), "a page of webhooks"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/webhooks/{webhookId}",
  operationId: "webhooks.get",
  tags: ["webhooks"],
  summary: "One webhook (never its secret)",
  request: { params: webhookParams },
  responses: { 200: jsonResponse(WebhookSchema, "the webhook"), ...errorResponses(404) },
});

const update = createRoute({
  method: "patch",
  path: "/v1/webhooks/{webhookId}",
  operationId: "webhooks.update",
  tags: ["webhooks"],
  summary: "Change a webhook's url or kinds of events, or turn it on or off (its secret stays)",
  description: [
    "Turning on a disabled webhook forgets its failures and sends it the events written from now on;",
    'with resume "missed", also those written since it stopped. Turning one off keeps it, and its',
    'place, with disabledReason "disabled by a user". With auth, a new url must be on the outbound',
    "allowlist.",
  ].join(" "),
  request: { params: webhookParams, body: jsonRequest(webhookPatch) },
  responses: { 200: jsonResponse(WebhookSchema, "the webhook"), ...errorResponses(400, 403, 404, 413, 415) },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/webhooks/{webhookId}",
  operationId: "webhooks.delete",
  tags: ["webhooks"],
  summary: "Delete a webhook and its delivery log",
  request: { params: webhookParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(404) },
});

const deliveries = createRoute({
  method: "get",
  path: "/v1/webhooks/{webhookId}/deliveries",
  operationId: "webhooks.deliveries",
  tags: ["webhooks"],
  summary: "A webhook's delivery log, newest first: one entry per try",
  request: { params: webhookParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(DeliverySchema, "WebhookDeliveryPage"), "a page of deliveries"),
    ...errorResponses(400, 404),
  },
});

/** `/v1/webhooks`: new webhooks' URLs, and changed ones, must pass `outbound`. */
export function registerWebhookRoutes(
  app: OpenAPIHono<AppEnv>,
  outbound: OutboundPolicy = UNRESTRICTED,
): void {
  app.openapi(create, async (c) =>
    c.json(await c.var.engram.webhooks.create(c.req.valid("json"), { outbound }), 201),
  );
  app.openapi(list, async (c) => c.json(await c.var.engram.webhooks.list(c.req.valid("query")), 200));
  app.openapi(get, async (c) => c.json(await c.var.engram.webhooks.get(c.req.valid("param").webhookId), 200));
  app.openapi(update, async (c) =>
    c.json(
      await c.var.engram.webhooks.update(c.req.valid("param").webhookId, c.req.valid("json"), { outbound }),
      200,
    ),
  );
  app.openapi(remove, async (c) => {
    await c.var.engram.webhooks.delete(c.req.valid("param").webhookId);
    return c.body(null, 204);
  });
  app.openapi(deliveries, async (c) =>
    c.json(await c.var.engram.webhooks.deliveries(c.req.valid("param").webhookId, c.req.valid("query")), 200),
  );
}
