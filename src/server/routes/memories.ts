import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { filterText } from "../../core/filter/filter-parse.ts";
import { isoTime, MAX_BATCH, memoryInput, memoryKind, memoryPatch } from "../../memory/memories/schemas.ts";
import type { AppEnv } from "../env.ts";
import { hasKey, shapeHook } from "../errors.ts";
import { agentIdOf } from "../lookup.ts";
import { pageList } from "../paginate.ts";
import {
  agentParams,
  booleanQuery,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  listQuery,
  MemorySchema,
  MemoryVersionSchema,
  pageSchema,
} from "../schemas.ts";

const memoryParams = agentParams.extend({
  mid: z
    .string()
    .min(1)
    .openapi({ param: { name: "mid", in: "path" }, description: "memory id (mem_…)" }),
});

const warnings = z
  .array(z.string())
  .openapi({ description: "non-fatal problems, e.g. an embedding that failed (search stays lexical)" });

const MemoryWriteSchema = z.object({ memory: MemorySchema, warnings }).openapi("MemoryWrite");
const MemoryUpdateSchema = z
  .object({
    memory: MemorySchema,
    warnings,
    changed: z.boolean().openapi({
      description: "false when every field given already had that value: no new version was made",
    }),
  })
  .openapi("MemoryUpdate");
const MemoryBatchWriteSchema = z
  .object({ memories: z.array(MemorySchema), warnings })
  .openapi("MemoryBatchWrite");

const memoryBatch = z.strictObject({
  memories: z
    .array(memoryInput)
    .min(1, "must not be empty")
    .max(MAX_BATCH, `must be at most ${MAX_BATCH} memories`),
});

const add = createRoute({
  method: "post",
  path: "/v1/agents/{id}/memories",
  operationId: "memories.add",
  tags: ["memories"],
  summary: "Add a memory, or a batch as {memories: [...]} (all or nothing)",
  request: { params: agentParams, body: jsonRequest(z.union([memoryInput, memoryBatch])) },
  responses: {
    201: jsonResponse(
      z.union([MemoryWriteSchema, MemoryBatchWriteSchema]),
      "the new memory as {memory, warnings}, or a batch as {memories, warnings}",
    ),
    ...errorResponses(400, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/memories",
  operationId: "memories.list",
  tags: ["memories"],
  summary: "An agent's memories, newest first unless order=asc, filtered",
  request: {
    params: agentParams,
    query: z.object({
      userId: z.string().min(1).max(256).optional().openapi({ description: "only this end user's memories" }),
      includeShared: booleanQuery.openapi({
        description: "with userId: also the agent's memories of no user (default true)",
      }),
      kind: listQuery(memoryKind, {
        max: 20,
        split: true,
        description: "only these kinds: repeat the parameter or separate with commas",
      }),
      tag: listQuery(z.string().trim().min(1, "must not be empty").max(64), {
        max: 32,
        split: false,
        description: "only memories with every one of these tags (repeat the parameter)",
      }),
      createdAfter: isoTime.optional().openapi({ description: "created at or after this time" }),
      createdBefore: isoTime.optional().openapi({ description: "created before this time" }),
      validAt: isoTime.optional().openapi({ description: "only facts valid at this instant" }),
      filter: filterText.optional().openapi({
        description: 'a metadata filter as JSON, e.g. {"metadata.topic":"billing"} (see docs/filters.md)',
      }),
      archived: z
        .enum(["exclude", "include", "only"], { error: "must be exclude, include or only" })
        .optional()
        .openapi({
          description: "archived memories: left out (exclude, the default), included, or alone (only)",
        }),
      scope: z.enum(["agent", "project"], { error: "must be agent or project" }).optional().openapi({
        description: "the agent's own memories (agent, the default) or its project's (project)",
      }),
      order: z
        .enum(["asc", "desc"], { error: "must be asc or desc" })
        .optional()
        .openapi({ description: "desc: newest first (default); asc: oldest first" }),
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(MemorySchema, "MemoryPage"), "a page of memories"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/memories/{mid}",
  operationId: "memories.get",
  tags: ["memories"],
  summary: "One memory",
  request: { params: memoryParams },
  responses: { 200: jsonResponse(MemorySchema, "the memory"), ...errorResponses(400, 404) },
});

const update = createRoute({
  method: "patch",
  path: "/v1/agents/{id}/memories/{mid}",
  operationId: "memories.update",
  tags: ["memories"],
  summary: "Change a memory; the old version stays in its history",
  request: { params: memoryParams, body: jsonRequest(memoryPatch) },
  responses: {
    200: jsonResponse(
      MemoryUpdateSchema,
      "the memory at its new version, or as it was (changed: false) when nothing changed",
    ),
    ...errorResponses(400, 404, 409, 413, 415),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/agents/{id}/memories/{mid}",
  operationId: "memories.delete",
  tags: ["memories"],
  summary: "Delete a memory; its history stays readable",
  request: { params: memoryParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(400, 404) },
});

const history = createRoute({
  method: "get",
  path: "/v1/agents/{id}/memories/{mid}/history",
  operationId: "memories.history",
  tags: ["memories"],
  summary: "Every version of a memory, oldest first, including its deletion",
  request: { params: memoryParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(MemoryVersionSchema, "MemoryHistory"), "a page of versions, oldest first"),
    ...errorResponses(400, 404),
  },
});

const archive = createRoute({
  method: "post",
  path: "/v1/agents/{id}/memories/{mid}/archive",
  operationId: "memories.archive",
  tags: ["memories"],
  summary: "Archive a memory: kept with its history and restorable, but no longer searched",
  request: { params: memoryParams },
  responses: { 200: jsonResponse(MemorySchema, "the memory, archived"), ...errorResponses(400, 404, 409) },
});

const restore = createRoute({
  method: "post",
  path: "/v1/agents/{id}/memories/{mid}/restore",
  operationId: "memories.restore",
  tags: ["memories"],
  summary: "Bring an archived memory back into search",
  request: { params: memoryParams },
  responses: {
    200: jsonResponse(MemorySchema, "the memory, active again"),
    ...errorResponses(400, 404, 409),
  },
});

/** `/v1/agents/{id}/memories`, `/memories/{mid}`, its `/history`, `/archive` and `/restore`. */
export function registerMemoryRoutes(app: OpenAPIHono<AppEnv>): void {
  // The route named as a type argument: the hook alone must not decide the handler's input type.
  app.openapi<typeof add>(
    add,
    async (c) => {
      const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
      const body = c.req.valid("json");
      if ("memories" in body) {
        const { value, warnings } = await c.var.engram.memories.addMany(id, body.memories);
        return c.json({ memories: value, warnings }, 201);
      }
      const { value, warnings } = await c.var.engram.memories.addMany(id, [body]);
      return c.json({ memory: value[0] as (typeof value)[number], warnings }, 201);
    },
    shapeHook((body) => (hasKey(body, "memories") ? memoryBatch : memoryInput)),
  );

  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { kind, tag, order, ...query } = c.req.valid("query");
    return c.json(
      await c.var.engram.memories.list(id, {
        ...query,
        kinds: kind,
        tags: tag,
        oldestFirst: order === "asc",
      }),
      200,
    );
  });

  app.openapi(get, async (c) => {
    const { id, mid } = c.req.valid("param");
    return c.json(await c.var.engram.memories.get(await agentIdOf(c.var.engram, id), mid), 200);
  });

  app.openapi(update, async (c) => {
    const { id, mid } = c.req.valid("param");
    const result = await c.var.engram.memories.update(
      await agentIdOf(c.var.engram, id),
      mid,
      c.req.valid("json"),
    );
    return c.json({ memory: result.value, warnings: result.warnings, changed: result.changed }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, mid } = c.req.valid("param");
    await c.var.engram.memories.delete(await agentIdOf(c.var.engram, id), mid);
    return c.body(null, 204);
  });

  app.openapi(history, async (c) => {
    const { id, mid } = c.req.valid("param");
    const versions = await c.var.engram.memories.history(await agentIdOf(c.var.engram, id), mid);
    return c.json(
      pageList("memory-versions", versions, c.req.valid("query"), (v) => [v.version]),
      200,
    );
  });

  app.openapi(archive, async (c) => {
    const { id, mid } = c.req.valid("param");
    return c.json(await c.var.engram.memories.archive(await agentIdOf(c.var.engram, id), mid), 200);
  });

  app.openapi(restore, async (c) => {
    const { id, mid } = c.req.valid("param");
    return c.json(await c.var.engram.memories.restore(await agentIdOf(c.var.engram, id), mid), 200);
  });
}
