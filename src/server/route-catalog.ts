/**
 * The API's routes as tests walk them: every operation of the OpenAPI document, and a valid body
 * for each that takes one (the walk with a foreign key and the fuzz test must get past validation).
 * A route added without an example here fails those tests until it has one.
 */

/**
 * Routes whose successful answer is a stream that ends only when the client leaves: walks that read
 * each answer to its end leave them out (src/server/event-stream.test.ts covers them over a socket).
 */
export const ENDLESS_PATHS: ReadonlySet<string> = new Set(["/v1/events/stream"]);

/** One operation of the OpenAPI document. */
export interface DocumentedOperation {
  /** Upper case, e.g. `POST`. */
  method: string;
  /** As documented, e.g. `/v1/agents/{id}/memories/{mid}`. */
  path: string;
  params: string[];
  query: string[];
  /** Top-level properties of its JSON body (of every shape, for a union). */
  bodyKeys: string[];
  hasBody: boolean;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: {
    content: Record<string, { schema?: { properties?: object; anyOf?: { properties?: object }[] } }>;
  };
}

/** Every operation of the app's `/openapi.json`. */
export async function documentedOperations(app: {
  request(path: string): Response | Promise<Response>;
}): Promise<DocumentedOperation[]> {
  const doc = (await (await app.request("/openapi.json")).json()) as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  const ops: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const parameters = op.parameters ?? [];
      const schema = op.requestBody?.content["application/json"]?.schema;
      const keys = new Set(Object.keys(schema?.properties ?? {}));
      for (const variant of schema?.anyOf ?? [])
        for (const key of Object.keys(variant.properties ?? {})) keys.add(key);
      ops.push({
        method: method.toUpperCase(),
        path,
        params: parameters.filter((p) => p.in === "path").map((p) => p.name),
        query: parameters.filter((p) => p.in === "query").map((p) => p.name),
        bodyKeys: [...keys],
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  return ops;
}

/** A valid request body for a route that takes one. @throws when the route has no example yet. */
export function exampleBody(
  method: string,
  path: string,
  context: { revision: string; exportDocument: unknown; blockId?: string | undefined },
): unknown {
  const key = `${method.toLowerCase()} ${path}`;
  const bodies: Record<string, unknown> = {
    "post /v1/projects": { name: "green" },
    "patch /v1/projects/{project}": { metadata: { touched: true } },
    "post /v1/keys": { name: "more" },
    "post /v1/webhooks": { url: "https://hooks.example.com/engram", events: ["memory.*"] },
    "patch /v1/webhooks/{webhookId}": { enabled: true, resume: "missed" },
    "post /v1/agents": { name: "new-agent" },
    "patch /v1/agents/{id}": { name: "renamed" },
    "post /v1/agents/{id}/fork": { name: "forked" },
    "post /v1/agents/{id}/blocks": { label: "fresh", value: "v" },
    "put /v1/agents/{id}/blocks/{label}": { value: "overwritten" },
    "post /v1/blocks": { label: "team", value: "shared rules" },
    "post /v1/agents/{id}/blocks/attach": { blockId: context.blockId ?? "blk_00000000000000000000000000" },
    "post /v1/agents/{id}/blocks/{label}/detach": undefined,
    "post /v1/agents/{id}/commits": { changes: [{ op: "set", label: "persona", value: "x" }] },
    "post /v1/agents/{id}/revert": { to: context.revision },
    "post /v1/agents/{id}/branches": { name: "other" },
    "post /v1/import": { document: context.exportDocument, newIds: true },
    "post /v1/agents/{id}/memories": { text: "planted" },
    "patch /v1/agents/{id}/memories/{mid}": { text: "changed" },
    "post /v1/agents/{id}/memories/search": { query: "secret" },
    "post /v1/agents/{id}/messages": { role: "user", content: "hello" },
    "post /v1/agents/{id}/messages/search": { query: "secret" },
    "post /v1/agents/{id}/search": { query: "secret" },
    "post /v1/agents/{id}/episodes": { task: "walk" },
    "post /v1/agents/{id}/episodes/{eid}/steps": {
      observation: "o",
      availableActions: ["a"],
      action: "a",
      reward: 1,
    },
    "post /v1/agents/{id}/episodes/{eid}/finish": { success: true },
    "post /v1/agents/{id}/advice": { task: "walk", observation: "o" },
    "post /v1/agents/{id}/turns/{turnId}/feedback": { reward: 1, comment: "well answered" },
    "post /v1/agents/{id}/insights": { operations: [{ op: "add", text: "a new rule" }] },
    "post /v1/agents/{id}/insights/extract": {},
    "post /v1/agents/{id}/evolve": { tasks: [{ input: "2+2", expected: "4" }], rounds: 1 },
    "post /v1/agents/{id}/evolution-runs/{runId}/resume": {},
    "post /v1/agents/{id}/evolution-runs/{runId}/rollback": {},
    "post /v1/agents/{id}/distill": { format: "sft" },
    "post /v1/agents/{id}/sleep": { jobs: ["forget"] },
    "post /v1/agents/{id}/reindex": { limit: 10 },
    // A command that cannot start: walks that list tools or run turns spawn nothing that outlives them.
    "put /v1/agents/{id}/mcp-servers/{name}": {
      command: "/nonexistent/engram-test-mcp-server",
      timeoutMs: 1000,
    },
    "post /v1/agents/{id}/memories/{mid}/archive": {},
    "post /v1/agents/{id}/memories/{mid}/restore": {},
    "post /v1/groups": { name: "team", pattern: "round-robin", members: ["their-agent"] },
    "post /v1/groups/{groupId}/messages": { content: "hello" },
    "post /v1/chat/completions": { model: "agent:their-agent", messages: [{ role: "user", content: "hi" }] },
    "post /mcp": { jsonrpc: "2.0", id: 1, method: "ping" },
  };
  if (!(key in bodies)) throw new Error(`no example body for ${key}: add one in src/server/route-catalog.ts`);
  return bodies[key];
}
