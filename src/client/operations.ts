/**
 * The HTTP API's operations, by operationId: method, path template, query parameters and whether a
 * JSON body is sent. The client sends every request through this table, and a test checks it against
 * the server's `/openapi.json` in both directions, so the two cannot drift. Plain data, no imports:
 * the client must load in a browser or an edge runtime.
 */

/** One operation of the HTTP API. */
export interface Operation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Template with `{param}` placeholders, as in the OpenAPI document. */
  path: string;
  /** Query parameters the route accepts (the server refuses any other). */
  query?: readonly string[];
  /** Whether the operation takes a JSON body. */
  body?: true;
}

/**
 * Operations of `/openapi.json` with no place in a typed client: a liveness probe, the MCP transport,
 * and the OpenAI-compatible routes, which are for OpenAI's own clients (`runtime.send` is their twin).
 */
export const UNCLIENTED_OPERATIONS = [
  "system.health",
  "mcp.request",
  "openai.chatCompletions",
  "openai.listModels",
  "openai.retrieveModel",
] as const;

/** Every other operation of the HTTP API, by operationId. */
export const OPERATIONS = {
  "projects.list": { method: "GET", path: "/v1/projects", query: ["cursor", "limit"] },
  "projects.create": { method: "POST", path: "/v1/projects", body: true },
  "projects.get": { method: "GET", path: "/v1/projects/{project}" },
  "projects.update": { method: "PATCH", path: "/v1/projects/{project}", body: true },
  "projects.delete": { method: "DELETE", path: "/v1/projects/{project}" },
  "groups.list": { method: "GET", path: "/v1/groups", query: ["project", "cursor", "limit"] },
  "groups.create": { method: "POST", path: "/v1/groups", body: true },
  "groups.get": { method: "GET", path: "/v1/groups/{groupId}" },
  "groups.delete": { method: "DELETE", path: "/v1/groups/{groupId}" },
  "groups.send": { method: "POST", path: "/v1/groups/{groupId}/messages", body: true },
  "keys.list": { method: "GET", path: "/v1/keys", query: ["project", "revoked", "cursor", "limit"] },
  "keys.create": { method: "POST", path: "/v1/keys", body: true },
  "keys.get": { method: "GET", path: "/v1/keys/{keyId}" },
  "keys.revoke": { method: "DELETE", path: "/v1/keys/{keyId}" },
  "agents.list": { method: "GET", path: "/v1/agents", query: ["project", "cursor", "limit"] },
  "agents.create": { method: "POST", path: "/v1/agents", query: ["project"], body: true },
  "agents.get": { method: "GET", path: "/v1/agents/{id}" },
  "agents.update": { method: "PATCH", path: "/v1/agents/{id}", body: true },
  "agents.delete": { method: "DELETE", path: "/v1/agents/{id}" },
  "agents.fork": { method: "POST", path: "/v1/agents/{id}/fork", body: true },
  "mcpServers.put": { method: "PUT", path: "/v1/agents/{id}/mcp-servers/{name}", body: true },
  "mcpServers.list": { method: "GET", path: "/v1/agents/{id}/mcp-servers", query: ["cursor", "limit"] },
  "mcpServers.get": { method: "GET", path: "/v1/agents/{id}/mcp-servers/{name}" },
  "mcpServers.delete": { method: "DELETE", path: "/v1/agents/{id}/mcp-servers/{name}" },
  "runtime.listTools": { method: "GET", path: "/v1/agents/{id}/tools", query: ["cursor", "limit"] },
  "blocks.list": { method: "GET", path: "/v1/agents/{id}/blocks", query: ["at", "branch"] },
  "blocks.create": { method: "POST", path: "/v1/agents/{id}/blocks", body: true },
  "blocks.get": { method: "GET", path: "/v1/agents/{id}/blocks/{label}", query: ["at", "branch"] },
  "blocks.set": { method: "PUT", path: "/v1/agents/{id}/blocks/{label}", body: true },
  "blocks.delete": {
    method: "DELETE",
    path: "/v1/agents/{id}/blocks/{label}",
    query: ["expectedHead", "branch", "message", "author"],
  },
  "sharedBlocks.create": { method: "POST", path: "/v1/blocks", body: true },
  "sharedBlocks.list": { method: "GET", path: "/v1/blocks", query: ["project", "cursor", "limit"] },
  "sharedBlocks.get": { method: "GET", path: "/v1/blocks/{blockId}" },
  "sharedBlocks.delete": { method: "DELETE", path: "/v1/blocks/{blockId}" },
  "sharedBlocks.commits": { method: "GET", path: "/v1/blocks/{blockId}/commits", query: ["cursor", "limit"] },
  "sharedBlocks.attach": { method: "POST", path: "/v1/agents/{id}/blocks/attach", body: true },
  "sharedBlocks.detach": { method: "POST", path: "/v1/agents/{id}/blocks/{label}/detach" },
  "history.log": {
    method: "GET",
    path: "/v1/agents/{id}/commits",
    query: ["branch", "from", "cursor", "limit"],
  },
  "blocks.commit": { method: "POST", path: "/v1/agents/{id}/commits", body: true },
  "history.getCommit": { method: "GET", path: "/v1/agents/{id}/commits/{rev}" },
  "history.diff": { method: "GET", path: "/v1/agents/{id}/diff", query: ["from", "to"] },
  "history.revert": { method: "POST", path: "/v1/agents/{id}/revert", body: true },
  "history.listBranches": { method: "GET", path: "/v1/agents/{id}/branches", query: ["cursor", "limit"] },
  "history.createBranch": { method: "POST", path: "/v1/agents/{id}/branches", body: true },
  "history.deleteBranch": { method: "DELETE", path: "/v1/agents/{id}/branches/{name}" },
  "events.listByAgent": {
    method: "GET",
    path: "/v1/agents/{id}/events",
    query: ["kind", "actor", "order", "cursor", "limit"],
  },
  "events.list": {
    method: "GET",
    path: "/v1/events",
    query: ["project", "agent", "kind", "actor", "order", "cursor", "limit"],
  },
  "events.follow": {
    method: "GET",
    path: "/v1/events/stream",
    query: ["agentId", "project", "kinds", "after"],
  },
  "webhooks.create": { method: "POST", path: "/v1/webhooks", body: true },
  "webhooks.list": { method: "GET", path: "/v1/webhooks", query: ["project", "cursor", "limit"] },
  "webhooks.get": { method: "GET", path: "/v1/webhooks/{webhookId}" },
  "webhooks.update": { method: "PATCH", path: "/v1/webhooks/{webhookId}", body: true },
  "webhooks.delete": { method: "DELETE", path: "/v1/webhooks/{webhookId}" },
  "webhooks.deliveries": {
    method: "GET",
    path: "/v1/webhooks/{webhookId}/deliveries",
    query: ["cursor", "limit"],
  },
  "memories.add": { method: "POST", path: "/v1/agents/{id}/memories", body: true },
  "memories.list": {
    method: "GET",
    path: "/v1/agents/{id}/memories",
    query: [
      "userId",
      "includeShared",
      "kind",
      "tag",
      "createdAfter",
      "createdBefore",
      "validAt",
      "filter",
      "archived",
      "scope",
      "order",
      "cursor",
      "limit",
    ],
  },
  "memories.get": { method: "GET", path: "/v1/agents/{id}/memories/{mid}" },
  "memories.update": { method: "PATCH", path: "/v1/agents/{id}/memories/{mid}", body: true },
  "memories.delete": { method: "DELETE", path: "/v1/agents/{id}/memories/{mid}" },
  "memories.history": {
    method: "GET",
    path: "/v1/agents/{id}/memories/{mid}/history",
    query: ["cursor", "limit"],
  },
  "memories.archive": { method: "POST", path: "/v1/agents/{id}/memories/{mid}/archive" },
  "memories.restore": { method: "POST", path: "/v1/agents/{id}/memories/{mid}/restore" },
  "runtime.send": { method: "POST", path: "/v1/agents/{id}/messages", body: true },
  "messages.list": {
    method: "GET",
    path: "/v1/agents/{id}/messages",
    query: ["userId", "sessionId", "filter", "role", "after", "before", "order", "cursor", "limit"],
  },
  "runtime.context": {
    method: "GET",
    path: "/v1/agents/{id}/context",
    query: ["query", "userId", "responder", "contextWindow", "endUsers"],
  },
  "search.all": { method: "POST", path: "/v1/agents/{id}/search", body: true },
  "memories.search": { method: "POST", path: "/v1/agents/{id}/memories/search", body: true },
  "messages.search": { method: "POST", path: "/v1/agents/{id}/messages/search", body: true },
  "transfer.export": { method: "GET", path: "/v1/agents/{id}/export" },
  "transfer.import": {
    method: "POST",
    path: "/v1/import",
    query: ["newIds", "project", "from", "name"],
    body: true,
  },
  "experience.recordEpisode": { method: "POST", path: "/v1/agents/{id}/episodes", body: true },
  "experience.listEpisodes": {
    method: "GET",
    path: "/v1/agents/{id}/episodes",
    query: ["task", "filter", "cursor", "limit"],
  },
  "experience.getEpisode": { method: "GET", path: "/v1/agents/{id}/episodes/{eid}" },
  "experience.recordStep": { method: "POST", path: "/v1/agents/{id}/episodes/{eid}/steps", body: true },
  "experience.finishEpisode": { method: "POST", path: "/v1/agents/{id}/episodes/{eid}/finish", body: true },
  "experience.records": { method: "GET", path: "/v1/agents/{id}/experience", query: ["cursor", "limit"] },
  "experience.advise": { method: "POST", path: "/v1/agents/{id}/advice", body: true },
  "images.get": { method: "GET", path: "/v1/agents/{id}/images/{sha256}" },
  "entities.list": {
    method: "GET",
    path: "/v1/agents/{id}/entities",
    query: ["userId", "order", "cursor", "limit"],
  },
  "entities.get": { method: "GET", path: "/v1/agents/{id}/entities/{name}", query: ["userId"] },
  "feedback.give": { method: "POST", path: "/v1/agents/{id}/turns/{turnId}/feedback", body: true },
  "insights.list": { method: "GET", path: "/v1/agents/{id}/insights", query: ["cursor", "limit"] },
  "insights.apply": { method: "POST", path: "/v1/agents/{id}/insights", body: true },
  "insights.extract": { method: "POST", path: "/v1/agents/{id}/insights/extract", body: true },
  "evolution.evolve": { method: "POST", path: "/v1/agents/{id}/evolve", body: true },
  "evolution.resume": { method: "POST", path: "/v1/agents/{id}/evolution-runs/{runId}/resume", body: true },
  "evolution.rollback": { method: "POST", path: "/v1/agents/{id}/evolution-runs/{runId}/rollback" },
  "evolution.list": { method: "GET", path: "/v1/agents/{id}/evolution-runs", query: ["cursor", "limit"] },
  "evolution.get": { method: "GET", path: "/v1/agents/{id}/evolution-runs/{runId}", query: ["format"] },
  "evolution.distill": { method: "POST", path: "/v1/agents/{id}/distill", body: true },
  "sleeptime.run": { method: "POST", path: "/v1/agents/{id}/sleep", body: true },
  "sleeptime.list": {
    method: "GET",
    path: "/v1/agents/{id}/jobs",
    query: ["status", "kind", "cursor", "limit"],
  },
  "sleeptime.get": { method: "GET", path: "/v1/agents/{id}/jobs/{jid}" },
  "vectors.reindex": { method: "POST", path: "/v1/agents/{id}/reindex", body: true },
} as const satisfies Record<string, Operation>;

/** An operationId the client can call. */
export type OperationId = keyof typeof OPERATIONS;
