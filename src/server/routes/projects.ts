import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { createProjectInput, updateProjectInput } from "../../memory/projects/project-service.ts";
import type { AppEnv } from "../env.ts";
import {
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  ProjectSchema,
  pageSchema,
} from "../schemas.ts";

const projectParams = z.object({
  project: z
    .string()
    .min(1)
    .openapi({ param: { name: "project", in: "path" }, description: "project id (prj_…) or name" }),
});

const list = createRoute({
  method: "get",
  path: "/v1/projects",
  operationId: "projects.list",
  tags: ["projects"],
  summary: "List projects",
  request: { query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(ProjectSchema, "ProjectPage"), "a page of projects"),
    ...errorResponses(400),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/projects",
  operationId: "projects.create",
  tags: ["projects"],
  summary: "Create a project",
  request: { body: jsonRequest(createProjectInput) },
  responses: {
    201: jsonResponse(ProjectSchema, "the new project"),
    ...errorResponses(400, 403, 409, 413, 415),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/projects/{project}",
  operationId: "projects.get",
  tags: ["projects"],
  summary: "Get a project by id or name",
  request: { params: projectParams },
  responses: { 200: jsonResponse(ProjectSchema, "the project"), ...errorResponses(404) },
});

const update = createRoute({
  method: "patch",
  path: "/v1/projects/{project}",
  operationId: "projects.update",
  tags: ["projects"],
  summary: "Rename a project or replace its metadata",
  description: "With auth, a key may replace its project's metadata but not rename it (403).",
  request: { params: projectParams, body: jsonRequest(updateProjectInput) },
  responses: {
    200: jsonResponse(ProjectSchema, "the updated project"),
    ...errorResponses(400, 403, 404, 409, 413, 415),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/projects/{project}",
  operationId: "projects.delete",
  tags: ["projects"],
  summary: "Delete a project with all its agents",
  request: { params: projectParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(404) },
});

/** `/v1/projects` and `/v1/projects/{project}`. */
export function registerProjectRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => c.json(await c.var.engram.projects.list(c.req.valid("query")), 200));
  app.openapi(create, async (c) => c.json(await c.var.engram.projects.create(c.req.valid("json")), 201));
  app.openapi(get, async (c) => c.json(await c.var.engram.projects.get(c.req.valid("param").project), 200));
  app.openapi(update, async (c) =>
    c.json(await c.var.engram.projects.update(c.req.valid("param").project, c.req.valid("json")), 200),
  );
  app.openapi(remove, async (c) => {
    await c.var.engram.projects.delete(c.req.valid("param").project);
    return c.body(null, 204);
  });
}
