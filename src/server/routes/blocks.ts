import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ConflictError, EngramError } from "../../core/errors.ts";
import type { Author } from "../../core/types.ts";
import type { Engram } from "../../engram.ts";
import type { CommitResult } from "../../memory/blocks/block-service.ts";
import { author, BLOCK_DEFAULTS, blockLabel, blockLimit } from "../../memory/blocks/schemas.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf, etagOf, expectedHeadOf } from "../lookup.ts";
import {
  BlockAtSchema,
  BlockSetSchema,
  CommitResultSchema,
  errorResponses,
  ifMatchHeaders,
  jsonRequest,
  jsonResponse,
  revisionQuery,
} from "../schemas.ts";

/** Retries of a create that named no head, when another writer moved the branch meanwhile. */
const CREATE_RETRIES = 3;

const readQuery = z.object({
  at: revisionQuery,
  branch: z.string().min(1).optional().openapi({
    description:
      "branch to read (default: the agent's); not with at, which names a branch's revision as BRANCH~N",
  }),
});

const writeOptions = {
  expectedHead: z.string().min(1).optional().openapi({ description: "head the write expects, else 409" }),
  branch: z.string().min(1).optional(),
  message: z.string().max(10_000).optional(),
  author: author.optional(),
};

const settings = {
  description: z.string().max(BLOCK_DEFAULTS.maxDescription).optional(),
  limit: blockLimit.optional(),
  readOnly: z.boolean().optional(),
};

const blockParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: "id", in: "path" }, description: "agent id or name" }),
  label: blockLabel,
});

const agentParams = blockParams.pick({ id: true });

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/blocks",
  operationId: "blocks.list",
  tags: ["blocks"],
  summary: "All of an agent's blocks, at a branch head or a revision",
  request: { params: agentParams, query: readQuery },
  responses: { 200: jsonResponse(BlockSetSchema, "the blocks"), ...errorResponses(400, 404) },
});

const create = createRoute({
  method: "post",
  path: "/v1/agents/{id}/blocks",
  operationId: "blocks.create",
  tags: ["blocks"],
  summary: "Create a block (409 if the label exists)",
  request: {
    params: agentParams,
    headers: ifMatchHeaders,
    body: jsonRequest(z.strictObject({ label: blockLabel, value: z.string(), ...settings, ...writeOptions })),
  },
  responses: {
    201: jsonResponse(CommitResultSchema, "the commit that created the block"),
    ...errorResponses(400, 403, 404, 409, 413, 415),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/blocks/{label}",
  operationId: "blocks.get",
  tags: ["blocks"],
  summary: "One block, at a branch head or a revision",
  request: { params: blockParams, query: readQuery },
  responses: { 200: jsonResponse(BlockAtSchema, "the block"), ...errorResponses(400, 404) },
});

const put = createRoute({
  method: "put",
  path: "/v1/agents/{id}/blocks/{label}",
  operationId: "blocks.set",
  tags: ["blocks"],
  summary: "Create or update a block; fields left out keep their value",
  request: {
    params: blockParams,
    headers: ifMatchHeaders,
    body: jsonRequest(z.strictObject({ value: z.string().optional(), ...settings, ...writeOptions })),
  },
  responses: {
    200: jsonResponse(CommitResultSchema, "the commit (changed: false when nothing changed)"),
    ...errorResponses(400, 403, 404, 409, 413, 415),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/agents/{id}/blocks/{label}",
  operationId: "blocks.delete",
  tags: ["blocks"],
  summary: "Delete a block, as a new commit",
  request: { params: blockParams, headers: ifMatchHeaders, query: z.object(writeOptions) },
  responses: {
    200: jsonResponse(CommitResultSchema, "the commit that deleted the block"),
    ...errorResponses(400, 403, 404, 409),
  },
});

/** `/v1/agents/{id}/blocks` and `/v1/agents/{id}/blocks/{label}`. */
export function registerBlockRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const set = await c.var.engram.blocks.list(
      await agentIdOf(c.var.engram, c.req.valid("param").id),
      c.req.valid("query"),
    );
    c.header("ETag", etagOf(set.commit));
    return c.json(set, 200);
  });

  app.openapi(create, async (c) => {
    const { label, value, expectedHead, ...options } = c.req.valid("json");
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const expected = expectedHeadOf(expectedHead, c.req.valid("header")["if-match"]);
    const result = await createBlock(c.var.engram, id, label, value, { ...options, expectedHead: expected });
    c.header("ETag", etagOf(result.commit.id));
    return c.json(result, 201);
  });

  app.openapi(get, async (c) => {
    const { id, label } = c.req.valid("param");
    const block = await c.var.engram.blocks.get(
      await agentIdOf(c.var.engram, id),
      label,
      c.req.valid("query"),
    );
    c.header("ETag", etagOf(block.commit));
    return c.json(block, 200);
  });

  app.openapi(put, async (c) => {
    const { id, label } = c.req.valid("param");
    const { value, description, limit, readOnly, expectedHead, ...options } = c.req.valid("json");
    const result = await c.var.engram.blocks.commit(await agentIdOf(c.var.engram, id), {
      changes: [{ op: "set", label, value, description, limit, readOnly }],
      expectedHead: expectedHeadOf(expectedHead, c.req.valid("header")["if-match"]),
      ...options,
    });
    c.header("ETag", etagOf(result.commit.id));
    return c.json(result, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, label } = c.req.valid("param");
    const { expectedHead, ...options } = c.req.valid("query");
    const result = await c.var.engram.blocks.delete(await agentIdOf(c.var.engram, id), label, {
      ...options,
      expectedHead: expectedHeadOf(expectedHead, c.req.valid("header")["if-match"]),
    });
    c.header("ETag", etagOf(result.commit.id));
    return c.json(result, 200);
  });
}

/**
 * Creates a block that must not exist yet. The write names the head the check read, so a block
 * created meanwhile by someone else is a conflict, never an overwrite.
 */
async function createBlock(
  engram: Engram,
  agentId: string,
  label: string,
  value: string,
  options: {
    description?: string | undefined;
    limit?: number | undefined;
    readOnly?: boolean | undefined;
    branch?: string | undefined;
    message?: string | undefined;
    author?: Author | undefined;
    expectedHead: string | undefined;
  },
): Promise<CommitResult> {
  for (let attempt = 0; ; attempt++) {
    const current = await engram.blocks.list(agentId, { branch: options.branch });
    if (current.blocks.some((block) => block.label === label)) {
      throw new ConflictError(
        `block "${label}" already exists on branch "${current.branch}": use PUT to change it`,
        { details: { label, head: current.commit } },
      );
    }
    try {
      return await engram.blocks.set(agentId, label, value, {
        ...options,
        expectedHead: options.expectedHead ?? current.commit,
      });
    } catch (error) {
      const retry =
        options.expectedHead === undefined &&
        EngramError.isInstance(error) &&
        error.code === "conflict" &&
        attempt < CREATE_RETRIES;
      if (!retry) throw error;
    }
  }
}
