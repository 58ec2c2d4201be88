import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Engram } from "../../engram.ts";
import { author, commitInput } from "../../memory/blocks/schemas.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf, etagOf, expectedHeadOf } from "../lookup.ts";
import {
  agentParams,
  CommitDiffSchema,
  CommitResultSchema,
  CommitSchema,
  cursorQuery,
  errorResponses,
  ifMatchHeaders,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
  revisionQuery,
} from "../schemas.ts";

const revisionParams = agentParams.extend({
  rev: z
    .string()
    .min(1)
    .openapi({
      param: { name: "rev", in: "path" },
      description: "commit id or prefix, branch (URL-encode a '/'), HEAD, HEAD~N",
    }),
});

const log = createRoute({
  method: "get",
  path: "/v1/agents/{id}/commits",
  operationId: "history.log",
  tags: ["history"],
  summary: "Commits, newest first along first parents",
  request: {
    params: agentParams,
    query: z.object({
      branch: z
        .string()
        .min(1)
        .optional()
        .openapi({ description: "branch whose head to start at (default: the agent's); not with from" }),
      from: revisionQuery,
      cursor: cursorQuery,
      limit: limitQuery,
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(CommitSchema, "CommitPage"), "a page of commits"),
    ...errorResponses(400, 404),
  },
});

const commit = createRoute({
  method: "post",
  path: "/v1/agents/{id}/commits",
  operationId: "blocks.commit",
  tags: ["history"],
  summary: "Change several blocks as one commit",
  request: { params: agentParams, headers: ifMatchHeaders, body: jsonRequest(commitInput) },
  responses: {
    201: jsonResponse(CommitResultSchema, "the new commit"),
    200: jsonResponse(CommitResultSchema, "nothing changed: no commit was made"),
    ...errorResponses(400, 403, 404, 409, 413, 415),
  },
});

const getCommit = createRoute({
  method: "get",
  path: "/v1/agents/{id}/commits/{rev}",
  operationId: "history.getCommit",
  tags: ["history"],
  summary: "One commit",
  request: { params: revisionParams },
  responses: { 200: jsonResponse(CommitSchema, "the commit"), ...errorResponses(400, 404) },
});

const diff = createRoute({
  method: "get",
  path: "/v1/agents/{id}/diff",
  operationId: "history.diff",
  tags: ["history"],
  summary: "Per-block line diff between two revisions",
  request: {
    params: agentParams,
    query: z.object({
      from: revisionQuery.openapi({ description: "revision (default: the parent of `to`)" }),
      to: revisionQuery.openapi({ description: "revision (default: HEAD)" }),
    }),
  },
  responses: { 200: jsonResponse(CommitDiffSchema, "the diff"), ...errorResponses(400, 404) },
});

const revert = createRoute({
  method: "post",
  path: "/v1/agents/{id}/revert",
  operationId: "history.revert",
  tags: ["history"],
  summary: "Make a new commit whose blocks equal those at a revision",
  request: {
    params: agentParams,
    headers: ifMatchHeaders,
    body: jsonRequest(
      z.strictObject({
        to: z.string().min(1).openapi({ description: "revision to restore" }),
        branch: z.string().min(1).optional(),
        expectedHead: z.string().min(1).optional(),
        message: z.string().max(10_000).optional(),
        author: author.optional(),
      }),
    ),
  },
  responses: {
    201: jsonResponse(CommitResultSchema, "the revert commit"),
    200: jsonResponse(CommitResultSchema, "the blocks already equal the revision: no commit was made"),
    ...errorResponses(400, 403, 404, 409, 413, 415),
  },
});

/** `/v1/agents/{id}/commits`, `/commits/{rev}`, `/diff` and `/revert`. */
export function registerHistoryRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(log, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.history.log(id, c.req.valid("query")), 200);
  });

  app.openapi(commit, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const input = c.req.valid("json");
    const result = await c.var.engram.blocks.commit(id, {
      ...input,
      expectedHead: expectedHeadOf(input.expectedHead, c.req.valid("header")["if-match"]),
    });
    c.header("ETag", etagOf(result.commit.id));
    return result.changed ? c.json(result, 201) : c.json(result, 200);
  });

  const getCommitHandler = async (engram: Engram, agent: string, rev: string) =>
    engram.history.getCommit(await agentIdOf(engram, agent), rev);
  app.openapi(getCommit, async (c) => {
    const { id, rev } = c.req.valid("param");
    return c.json(await getCommitHandler(c.var.engram, id, rev), 200);
  });
  // Branch names may hold '/': also accept them unencoded (undocumented twin of the route above).
  app.openapi({ ...getCommit, path: "/v1/agents/{id}/commits/{rev{.+}}", hide: true }, async (c) => {
    const { id, rev } = c.req.valid("param");
    return c.json(await getCommitHandler(c.var.engram, id, rev), 200);
  });

  app.openapi(diff, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { from, to = "HEAD" } = c.req.valid("query");
    return c.json(await c.var.engram.history.diff(id, from ?? `${to}~1`, to), 200);
  });

  app.openapi(revert, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    const { to, expectedHead, ...options } = c.req.valid("json");
    const result = await c.var.engram.history.revert(id, to, {
      ...options,
      expectedHead: expectedHeadOf(expectedHead, c.req.valid("header")["if-match"]),
    });
    c.header("ETag", etagOf(result.commit.id));
    return result.changed ? c.json(result, 201) : c.json(result, 200);
  });
}
