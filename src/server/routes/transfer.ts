import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { EXPORT_FORMAT, exportDocument } from "../../transfer/format.ts";
import { IMPORT_FORMATS } from "../../transfer/peers/build.ts";
import type { AppEnv } from "../env.ts";
import { invalidInput } from "../errors.ts";
import { agentIdOf, fromQueryOrBody } from "../lookup.ts";
import { AgentSchema, agentParams, errorResponses, jsonRequest, jsonResponse } from "../schemas.ts";

const ExportDocumentSchema = exportDocument.meta({ id: "ExportDocument" });

const ImportReportSchema = z
  .object({
    from: z.enum(IMPORT_FORMATS),
    counts: z.object({
      blocks: z.number().int(),
      memories: z.number().int(),
      messages: z.number().int(),
      episodes: z.number().int(),
      experienceRecords: z.number().int(),
      insights: z.number().int(),
    }),
    notes: z.array(z.string()).openapi({ description: "what was not carried, or carried differently" }),
  })
  .openapi("ImportReport");

const ImportedAgentSchema = AgentSchema.extend({ report: ImportReportSchema }).openapi("ImportedAgent");

const fromField = z.enum(IMPORT_FORMATS, { error: `must be one of ${IMPORT_FORMATS.join(", ")}` }).openapi({
  description: "the document's format (default: told by its shape)",
});
const nameField = z.string().min(1).openapi({
  description:
    "name of the agent a Letta or Mem0 file becomes (Mem0 default: mem0; Letta default: the file's)",
});

/** The wrapped form of an import: the document with its options beside it. */
const importRequest = z.strictObject({
  document: z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.string()], {
      error: (issue) => (issue.input === undefined ? "required (the file)" : "must be a JSON object or list"),
    })
    .openapi({ description: "an export document, a Letta agent file or a Mem0 export" }),
  from: fromField.optional(),
  name: nameField.optional(),
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
  summary:
    "Recreate an exported agent exactly, or an agent from a Letta agent file or Mem0 export, all or nothing",
  description: `The body is either \`{document, newIds?, project?, from?, name?}\` or the file itself (an export document, whose \`format\` is "${EXPORT_FORMAT}"; a Letta agent file; a Mem0 export), with the options in the query. The format is told by the file's shape unless \`from\` (engram, letta, mem0) names it; \`name\` names the agent a Letta or Mem0 file becomes. The answer is the agent with \`report\`: counts and notes on what was not carried (a Letta file's tools are listed, never run). Bodies up to 64 MiB are accepted. Version 1 documents (blocks only) are still read; vectors are not carried (re-embed with \`engram memory reindex\`).`,
  request: {
    query: z.object({
      newIds: z
        .enum(["true", "false"], { error: "must be true or false" })
        .optional()
        .openapi({ description: "with a raw document body: give the agent and all it owns new ids" }),
      project: z.string().min(1).optional().openapi({ description: "with a raw document body" }),
      from: fromField.optional(),
      name: nameField.optional(),
    }),
    body: jsonRequest(
      z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.string()]).openapi({
        description:
          "{document, newIds?, project?, from?, name?}, or the file itself (also as a JSON string holding it, as some agent files are published)",
      }),
    ),
  },
  responses: {
    201: jsonResponse(ImportedAgentSchema, "the imported agent, with the import's report"),
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
    // The wrapped form has `document`, or only its options; an export document (with `format`), a
    // Letta agent file or a Mem0 export has neither.
    const wrapped: z.output<typeof importRequest> = isWrapped(body) ? parseWrapped(body) : { document: body };
    const { agent, report } = await c.var.engram.transfer.importWithReport(wrapped.document, {
      from: fromQueryOrBody("from", query.from, wrapped.from),
      name: fromQueryOrBody("name", query.name, wrapped.name),
      newIds: fromQueryOrBody(
        "newIds",
        query.newIds === undefined ? undefined : query.newIds === "true",
        wrapped.newIds,
      ),
      project: fromQueryOrBody("project", query.project, wrapped.project),
    });
    return c.json({ ...agent, report }, 201);
  });
}

const WRAPPER_KEYS = ["document", "newIds", "project", "from", "name"];

function isWrapped(body: Record<string, unknown> | unknown[] | string): body is Record<string, unknown> {
  if (typeof body === "string" || Array.isArray(body) || "format" in body) return false;
  const keys = Object.keys(body);
  // A Letta file has a `name` too, but never beside only these keys.
  return "document" in body || (keys.length > 0 && keys.every((k) => WRAPPER_KEYS.includes(k)));
}

function parseWrapped(body: Record<string, unknown>): z.output<typeof importRequest> {
  const result = importRequest.safeParse(body);
  if (!result.success) throw invalidInput("request body", result.error.issues);
  return result.data;
}
