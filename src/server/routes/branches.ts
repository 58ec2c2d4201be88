import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Engram } from "../../engram.ts";
import { branchName } from "../../memory/blocks/history-service.ts";
import { agentIdOf } from "../lookup.ts";
import {
  agentParams,
  BranchSchema,
  errorResponses,
  jsonRequest,
  jsonResponse,
  revisionQuery,
} from "../schemas.ts";

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/branches",
  tags: ["history"],
  summary: "An agent's branches",
  request: { params: agentParams },
  responses: {
    200: jsonResponse(z.object({ items: z.array(BranchSchema) }).openapi("BranchList"), "the branches"),
    ...errorResponses(400, 404),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/agents/{id}/branches",
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
export function registerBranchRoutes(app: OpenAPIHono, engram: Engram): void {
  app.openapi(list, async (c) => {
    const id = await agentIdOf(engram, c.req.valid("param").id);
    return c.json({ items: await engram.history.listBranches(id) }, 200);
  });

  app.openapi(create, async (c) => {
    const id = await agentIdOf(engram, c.req.valid("param").id);
    const { name, from } = c.req.valid("json");
    return c.json(await engram.history.createBranch(id, name, { from }), 201);
  });

  app.openapi(remove, async (c) => {
    const { id, name } = c.req.valid("param");
    await engram.history.deleteBranch(await agentIdOf(engram, id), name);
    return c.body(null, 204);
  });
  // Branch names may hold '/': also accept them unencoded (undocumented twin of the route above).
  app.openapi({ ...remove, path: "/v1/agents/{id}/branches/{name{.+}}", hide: true }, async (c) => {
    const { id, name } = c.req.valid("param");
    await engram.history.deleteBranch(await agentIdOf(engram, id), name);
    return c.body(null, 204);
  });
}
