import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, type Resource } from "@modelcontextprotocol/sdk/types.js";
import { EngramError } from "../core/errors.ts";
import type { Agent } from "../core/types.ts";
import type { McpSession } from "./session.ts";

export const BLOCK_URI_TEMPLATE = "engram://agents/{agent}/blocks/{label}";

/** MCP's code for a resource that does not exist. */
const RESOURCE_NOT_FOUND = -32002;

/** Without a session agent, the resource list covers this many of the project's agents. */
export const LISTED_AGENTS = 100;

export function blockUri(agentId: string, label: string): string {
  return `engram://agents/${encodeURIComponent(agentId)}/blocks/${encodeURIComponent(label)}`;
}

/**
 * A failed resource request, as the client is to read it. The SDK sends a thrown error's `code` and
 * `message` as they are, and its client prefixes `MCP error CODE: `: an McpError, whose message
 * already starts so, would be read with the prefix twice.
 */
class ResourceError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = "ResourceError";
    this.code = code;
  }
}

/**
 * Memory blocks as resources, `engram://agents/{agent}/blocks/{label}` (agent by id or name), read as
 * text/plain at the head of the agent's default branch. The list holds the session agent's blocks
 * (none while it does not exist: clients list resources as they connect, and the server starts for
 * a missing agent so that they see what to run), or without one, the blocks of the first agents of
 * the project.
 */
export function registerBlockResources(server: McpServer, session: McpSession): void {
  const template = new ResourceTemplate(BLOCK_URI_TEMPLATE, {
    list: async () => {
      try {
        return { resources: await listBlocks(session) };
      } catch (error) {
        throw resourceError(error, session);
      }
    },
  });
  server.registerResource(
    "block",
    template,
    {
      title: "Memory block",
      description: "One of an agent's memory blocks (learned context), as of the head of its default branch.",
      mimeType: "text/plain",
    },
    async (uri, variables) => {
      const agentRef = decoded(variables.agent, "agent");
      const label = decoded(variables.label, "label");
      try {
        const block = await session.engram.blocks.get(await session.agentId(agentRef), label);
        return { contents: [{ uri: uri.href, mimeType: "text/plain", text: block.value }] };
      } catch (error) {
        throw resourceError(error, session);
      }
    },
  );
}

async function listBlocks(session: McpSession): Promise<Resource[]> {
  const agents: Agent[] =
    session.defaultAgent === undefined
      ? (await session.engram.agents.list({ limit: LISTED_AGENTS })).items
      : await sessionAgent(session, session.defaultAgent);
  const resources: Resource[] = [];
  for (const agent of agents) {
    const { blocks } = await session.engram.blocks.list(agent.id);
    for (const block of blocks) {
      resources.push({
        uri: blockUri(agent.id, block.label),
        name: `${agent.name}/${block.label}`,
        title: `${agent.name}: ${block.label}`,
        description: block.description === "" ? undefined : block.description,
        mimeType: "text/plain",
        size: Buffer.byteLength(block.value),
      });
    }
  }
  return resources;
}

/** The session's agent, or none while it does not exist. */
async function sessionAgent(session: McpSession, ref: string): Promise<Agent[]> {
  try {
    return [await session.engram.agents.find(ref)];
  } catch (error) {
    if (EngramError.isInstance(error) && error.code === "not_found") return [];
    throw error;
  }
}

function decoded(value: string | string[] | undefined, name: string): string {
  if (typeof value !== "string" || value === "") {
    throw new ResourceError(ErrorCode.InvalidParams, `invalid block URI: ${name} is missing`);
  }
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ResourceError(
      ErrorCode.InvalidParams,
      `invalid block URI: ${name} is not valid percent-encoding`,
    );
  }
}

/** Not found as MCP's resource-not-found, the caller's other mistakes as invalid params. */
function resourceError(error: unknown, session: McpSession): ResourceError {
  if (EngramError.isInstance(error)) {
    if (error.code === "not_found") return new ResourceError(RESOURCE_NOT_FOUND, error.message);
    if (error.isUserError) return new ResourceError(ErrorCode.InvalidParams, error.message);
  }
  session.onInternalError(error);
  return new ResourceError(
    ErrorCode.InternalError,
    "internal error: the server could not read the resource (see its log)",
  );
}
