/**
 * A valid request body for every route of the API that takes one, for tests that must get past
 * validation (the walk with a foreign key, the fuzz test). A route added without an example here
 * fails those tests until it has one.
 */
export function exampleBody(
  method: string,
  path: string,
  context: { revision: string; exportDocument: unknown },
): unknown {
  const key = `${method.toLowerCase()} ${path}`;
  const bodies: Record<string, unknown> = {
    "post /v1/projects": { name: "green" },
    "patch /v1/projects/{project}": { metadata: { touched: true } },
    "post /v1/keys": { name: "more" },
    "post /v1/agents": { name: "new-agent" },
    "patch /v1/agents/{id}": { name: "renamed" },
    "post /v1/agents/{id}/fork": { name: "forked" },
    "post /v1/agents/{id}/blocks": { label: "fresh", value: "v" },
    "put /v1/agents/{id}/blocks/{label}": { value: "overwritten" },
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
    "post /v1/agents/{id}/insights": { operations: [{ op: "add", text: "a new rule" }] },
    "post /v1/agents/{id}/insights/extract": {},
  };
  if (!(key in bodies))
    throw new Error(`no example body for ${key}: add one in src/server/route-examples.ts`);
  return bodies[key];
}
