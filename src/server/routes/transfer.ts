import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { EXPORT_FORMAT, exportDocument } from "../../transfer/format.ts";
import type { AppEnv } from "../env.ts";
import { invalidInput } from "../errors.ts";
import { agentIdOf, fromQueryOrBody } from "../lookup.ts";
import { AgentSchema, agentParams, errorResponses, jsonRequest, jsonResponse } from "../schemas.ts";

const ExportDocumentSchema = exportDocument.meta({ id: "ExportDocument" });

/** The wrapped form of an import: the document with its options beside it. */
const importRequest = z.strictObject({
  document: z.record(z.string(), z.unknown()).openapi({ description: "an export document" }),
  newIds: z.boolean().optional().openapi({
    description: "give the agent and everything it owns new ids, keeping commit ids (default false)",
  }),
  project: z.string().min(1).optional().openapi({ description: "project id or name to import into" }),
});

const exportAgent = createRoute({
  method: "get",
  path: "/v1/agents/{id}/export",
  operationId: "transfer.export",
  tags: ["transfer"],
  summary:
    "The agent with its full block history, memories, messages, episodes, experience and insights, as one versioned JSON document",
  request: { params: agentParams },
  responses: {
    200: jsonResponse(ExportDocumentSchema, "the export document"),
    ...errorResponses(400, 404),
  },
});

const importAgent = createRoute({
  method: "post",
  path: "/v1/import",
  operationId: "transfer.import",
  tags: ["transfer"],
  summary: "Recreate an exported agent exactly, all or nothing (same ids, commits, memories, messages …)",
  description: `The body is either \`{document, newIds?, project?}\` or the export document itself (its \`format\` is "${EXPORT_FORMAT}"), with \`newIds\` and \`project\` in the query. Bodies up to 64 MiB are accepted. Version 1 documents (blocks only) are still read; vectors are not carried (re-embed with \`engram memory reindex\`).`,
  request: {
    query: z.object({
      newIds: z
        .enum(["true", "false"], { error: "must be true or false" })
        .optional()
        .openapi({ description: "with a raw document body: give the agent and all it owns new ids" }),
      project: z.string().min(1).optional().openapi({ description: "with a raw document body" }),
    }),
    body: jsonRequest(
      z
        .record(z.string(), z.unknown())
        .openapi({ description: "{document, newIds?, project?}, or the export document itself" }),
    ),
  },
  responses: {
    201: jsonResponse(AgentSchema, "the imported agent"),
    ...errorResponses(400, 404, 409, 413, 415, 422),
  },
});

/** `/v1/agents/{id}/export` and `/v1/import`. */
export function registerTransferRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(exportAgent, async (c) => {
    const id = await agentIdOf(c.var.engram, c.req.valid("param").id);
    return c.json(await c.var.engram.transfer.export(id), 200);
  });

  app.openapi(importAgent, async (c) => {
    const body = c.req.valid("json");
    const query = c.req.valid("query");
    // A raw document always has `format`; the wrapped form never does.
    const wrapped = "format" in body ? { document: body } : parseWrapped(body);
    const agent = await c.var.engram.transfer.import(wrapped.document, {
      newIds: fromQueryOrBody(
        "newIds",
        query.newIds === undefined ? undefined : query.newIds === "true",
        wrapped.newIds,
      ),
      project: fromQueryOrBody("project", query.project, wrapped.project),
    });
    return c.json(agent, 201);
  });
}

function parseWrapped(body: Record<string, unknown>): z.output<typeof importRequest> {
  const result = importRequest.safeParse(body);
  if (!result.success) throw invalidInput("request body", result.error.issues);
  return result.data;
}
