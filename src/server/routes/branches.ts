import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { branchName } from "../../memory/blocks/history-service.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { pageList } from "../paginate.ts";
import {
  agentParams,
  BranchSchema,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
  revisionQuery,
} from "../schemas.ts";

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/branches",
  operationId: "history.listBranches",
  tags: ["history"],
  summary: "An agent's branches",
  request: { params: agentParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(BranchSchema, "BranchList"), "a page of branches, by name"),
    ...errorResponses(400, 404),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/agents/{id}/branches",
  operationId: "history.createBranch",
  tags: ["history"],
  summary: "Create a branch at a revision",
  request: {
    params: agentParams,
    body: jsonRequest(
      z.strictObject({
        name: branchName,
        from: revisionQuery.openapi({ description: "revision (default: HEAD)" }),
      }),
    ),
  },
  responses: {
    201: jsonResponse(BranchSchema, "the new branch"),
    ...errorResponses(400, 404, 409, 413, 415),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/agents/{id}/branches/{name}",
  operationId: "history.deleteBranch",
  tags: ["history"],
  summary: "Delete a branch (its commits stay reachable from other refs)",
  request: {
    params: agentParams.extend({
      name: z
        .string()
        .min(1)
        .openapi({ param: { name: "name", in: "path" }, description: "branch name; '/' may be sent as is" }),
    }),
  },
  responses: { 204: { description: "deleted" }, ...errorResponses(400, 404) },
});

/** `/v1/agents/{id}/branches` and `/v1/agents/{id}/branches/{name}`. */
export function registerBranchRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const branches = await c.var.engram.history.listBranches(id);
    return c.json(
      pageList("branches", branches, c.req.valid("query"), (b) => [b.name]),
      200,
    );
  });

  app.openapi(create, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { name, from } = c.req.valid("json");
    return c.json(await c.var.engram.history.createBranch(id, name, { from }), 201);
  });

  app.openapi(remove, async (c) => {
    const { id, name } = c.req.valid("param");
    await c.var.engram.history.deleteBranch(await agentIdOf(c.var.engram, id), name);
    return c.body(null, 204);
  });
  // Branch names may hold '/': also accept them unencoded (undocumented twin of the route above).
  app.openapi({ ...remove, path: "/v1/agents/{id}/branches/{name{.+}}", hide: true }, async (c) => {
    const { id, name } = c.req.valid("param");
    await c.var.engram.history.deleteBranch(await agentIdOf(c.var.engram, id), name);
    return c.body(null, 204);
  });
}
