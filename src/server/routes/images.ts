import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { agentParams, errorResponses, jsonResponse } from "../schemas.ts";

const imageParams = agentParams.extend({
  sha256: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "sha256", in: "path" },
      description: "the image's SHA-256, from metadata.images",
    }),
});

const ImageSchema = z
  .object({
    sha256: z.string(),
    mediaType: z.string(),
    size: z.number().int(),
    caption: z.string().nullable(),
    createdAt: z.string(),
    data: z.string().openapi({ description: "the bytes, base64-encoded" }),
  })
  .openapi("Image");

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/images/{sha256}",
  operationId: "images.get",
  tags: ["messages"],
  summary: "An image of the agent's messages (listed in their metadata.images), with its caption",
  request: { params: imageParams },
  responses: { 200: jsonResponse(ImageSchema, "the image, base64"), ...errorResponses(400, 404) },
});

/** `/v1/agents/{id}/images/{sha256}`. */
export function registerImageRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(get, async (c) => {
    const { id, sha256 } = c.req.valid("param");
    return c.json(await c.var.engram.images.get(await agentIdOf(c.var.engram, id), sha256), 200);
  });
}
