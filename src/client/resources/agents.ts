import type { AgentService } from "../../memory/agents/agent-service.ts";
import type { Transport } from "../transport.ts";

/** Agents over HTTP: the library's `engram.agents` methods the API serves. */
export type AgentsClient = Pick<
  AgentService,
  "create" | "get" | "find" | "list" | "update" | "delete" | "fork"
>;

/** `client.agents`. `get` and `find` are one route: it takes an id or a name. */
export function agentsClient(t: Transport): AgentsClient {
  return {
    create: (input) =>
      t.call("agents.create", { body: { ...input, project: input.project ?? t.options.project } }),
    get: (agentId) => t.call("agents.get", { params: { id: agentId } }),
    find: (idOrName) => t.call("agents.get", { params: { id: idOrName } }),
    list: (options = {}) => t.call("agents.list", { query: { project: t.options.project, ...options } }),
    update: (agentId, input) => t.call("agents.update", { params: { id: agentId }, body: input }),
    delete: (agentId) => t.call("agents.delete", { params: { id: agentId } }),
    fork: (agentId, input = {}) => t.call("agents.fork", { params: { id: agentId }, body: input }),
  };
}
