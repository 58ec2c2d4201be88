import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AUTHORS } from "../../core/types.ts";
import { blockLabel } from "../../memory/blocks/schemas.ts";
import { createSharedBlockInput } from "../../memory/blocks/shared-block-service.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf, etagOf } from "../lookup.ts";
import {
  agentParams,
  CommitResultSchema,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const timestamp = z.string().openapi({ description: "ISO 8601 time" });

const SharedBlockFields = {
  id: z.string().openapi({ description: "shared block id (blk_…)" }),
  projectId: z.string(),
  label: z.string(),
  value: z.string(),
  description: z.string(),
  limit: z.number().int(),
  readOnly: z.boolean().openapi({ description: "the block's own setting: no agent may change it" }),
  version: z.number().int().openapi({ description: "moves on every edit, attach and detach" }),
  size: z.number().int().openapi({ description: "characters used, out of limit" }),
  createdAt: timestamp,
  updatedAt: timestamp,
};

const AttachmentSchema = z
  .object({
    blockId: z.string(),
    agentId: z.string(),
    label: z.string(),
    readOnly: z.boolean().openapi({ description: "this agent may not change the block (others may)" }),
    createdAt: timestamp,
  })
  .openapi("BlockAttachment");

const SharedBlockSchema = z.object(SharedBlockFields).openapi("SharedBlock");

const SharedBlockInfoSchema = z
  .object({ ...SharedBlockFields, attachments: z.array(AttachmentSchema) })
  .openapi("SharedBlockInfo");

const SharedBlockEditSchema = z
  .object({
    seq: z.number().int(),
    blockId: z.string(),
    agentId: z.string().openapi({ description: "the agent the edit was made through" }),
    author: z.enum(AUTHORS),
    message: z.string(),
    valueHash: z.string(),
    createdAt: timestamp,
    commits: z.array(z.object({ agentId: z.string(), commitId: z.string() })).openapi({
      description: "the commit on each attached agent's default branch, the editing agent's first",
    }),
  })
  .openapi("SharedBlockEdit");

const blockParams = z.object({
  blockId: z
    .string()
    .min(1)
    .openapi({ param: { name: "blockId", in: "path" }, description: "shared block id (blk_…)" }),
});

const create = createRoute({
  method: "post",
  path: "/v1/blocks",
  operationId: "sharedBlocks.create",
  tags: ["shared blocks"],
  summary: "Create a shared block in a project (attached to no agent yet)",
  request: { body: jsonRequest(createSharedBlockInput) },
  responses: {
    201: jsonResponse(SharedBlockInfoSchema, "the new block, with its id"),
    ...errorResponses(400, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/blocks",
  operationId: "sharedBlocks.list",
  tags: ["shared blocks"],
  summary: "List a project's shared blocks",
  request: {
    query: z.object({
      project: z.string().min(1).optional().openapi({ description: "project id or name" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(SharedBlockSchema, "SharedBlockPage"), "a page of shared blocks"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/blocks/{blockId}",
  operationId: "sharedBlocks.get",
  tags: ["shared blocks"],
  summary: "A shared block, with the agents it is attached to",
  request: { params: blockParams },
  responses: { 200: jsonResponse(SharedBlockInfoSchema, "the block"), ...errorResponses(400, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/blocks/{blockId}",
  operationId: "sharedBlocks.delete",
  tags: ["shared blocks"],
  summary: "Delete a shared block (409 while it is attached to an agent)",
  request: { params: blockParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(400, 404, 409) },
});

const commits = createRoute({
  method: "get",
  path: "/v1/blocks/{blockId}/commits",
  operationId: "sharedBlocks.commits",
  tags: ["shared blocks"],
  summary: "The block's edits across its agents, oldest first",
  request: { params: blockParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(SharedBlockEditSchema, "SharedBlockEditPage"), "a page of edits"),
    ...errorResponses(400, 404),
  },
});

const attach = createRoute({
  method: "post",
  path: "/v1/agents/{id}/blocks/attach",
  operationId: "sharedBlocks.attach",
  tags: ["shared blocks"],
  summary: "Attach a shared block of the agent's project (409 if the agent has a block of its label)",
  request: {
    params: agentParams,
    body: jsonRequest(
      z.strictObject({
        blockId: z.string().min(1),
        readOnly: z.boolean().optional().openapi({ description: "this agent may not change the block" }),
      }),
    ),
  },
  responses: {
    200: jsonResponse(CommitResultSchema, "the commit that added the block to the agent"),
    ...errorResponses(400, 404, 409, 413, 415),
  },
});

const detach = createRoute({
  method: "post",
  path: "/v1/agents/{id}/blocks/{label}/detach",
  operationId: "sharedBlocks.detach",
  tags: ["shared blocks"],
  summary: "Detach a shared block; the agent keeps a private copy",
  request: { params: agentParams.extend({ label: blockLabel }) },
  responses: {
    200: jsonResponse(CommitResultSchema, "the commit that made the agent's copy private"),
    ...errorResponses(400, 404, 409),
  },
});

/** `/v1/blocks…` (shared blocks) and attaching them to agents. */
export function registerSharedBlockRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(create, async (c) => c.json(await c.var.engram.sharedBlocks.create(c.req.valid("json")), 201));

  app.openapi(list, async (c) => c.json(await c.var.engram.sharedBlocks.list(c.req.valid("query")), 200));

  app.openapi(get, async (c) =>
    c.json(await c.var.engram.sharedBlocks.get(c.req.valid("param").blockId), 200),
  );

  app.openapi(remove, async (c) => {
    await c.var.engram.sharedBlocks.delete(c.req.valid("param").blockId);
    return c.body(null, 204);
  });

  app.openapi(commits, async (c) =>
    c.json(await c.var.engram.sharedBlocks.commits(c.req.valid("param").blockId, c.req.valid("query")), 200),
  );

  app.openapi(attach, async (c) => {
    const { blockId, readOnly } = c.req.valid("json");
    const agentId = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const result = await c.var.engram.sharedBlocks.attach(agentId, blockId, { readOnly });
    c.header("ETag", etagOf(result.commit.id));
    return c.json(result, 200);
  });

  app.openapi(detach, async (c) => {
    const { id, label } = c.req.valid("param");
    const result = await c.var.engram.sharedBlocks.detach(await agentIdOf(c.var.engram, id), label);
    c.header("ETag", etagOf(result.commit.id));
    return c.json(result, 200);
  });
}
