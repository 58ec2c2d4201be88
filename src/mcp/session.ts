import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { EngramError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";

/** What every MCP tool and resource of one session works with. */
export interface McpSession {
  readonly engram: Engram;
  /** The agent (id or name) the session works on when a call names none. */
  readonly defaultAgent: string | undefined;
  /** The `agent` parameter of every tool: optional when the session has a default agent. */
  readonly agentParameter: z.ZodType<string | undefined>;
  /**
   * The id of the agent a call works on: the one it names, else the session's.
   * @throws InvalidInputError when neither names one; NotFoundError when it does not exist (for the
   * session's agent, saying what to run to create it).
   */
  agentId(named: string | undefined): Promise<string>;
  /** Reports an unexpected error to the server's log; the client is told only that one happened. */
  onInternalError(error: unknown): void;
  /** Runs a tool body: its value as a result, an engram error as a tool error naming the problem. */
  call(body: () => Promise<Record<string, unknown>>): Promise<CallToolResult>;
}

export interface SessionOptions {
  engram: Engram;
  defaultAgent?: string | undefined;
  /** What to do when the default agent does not exist, appended to the error a call gets. */
  missingAgentHint?: string | undefined;
  /** Told about unexpected errors, whose details the client does not see. */
  onInternalError: (error: unknown) => void;
}

const AGENT_DESCRIPTION = "The agent to work on: its id (agt_…) or its name, unique in the project.";

export function createSession(options: SessionOptions): McpSession {
  const { engram, defaultAgent, onInternalError } = options;
  const hint = options.missingAgentHint ?? `create it first (engram agent create --name ${defaultAgent})`;
  const name = z.string().min(1, "must not be empty").max(256);
  const agentParameter =
    defaultAgent === undefined
      ? name.describe(`${AGENT_DESCRIPTION} Required: this session has no default agent.`)
      : name.optional().describe(`${AGENT_DESCRIPTION} Defaults to the session's agent.`);
  return {
    engram,
    defaultAgent,
    agentParameter,
    onInternalError,
    async agentId(named) {
      const ref = named ?? defaultAgent;
      if (ref === undefined) {
        throw new InvalidInputError(
          "agent: required: this session has no default agent, so name one by id or name (or start the server with --agent)",
        );
      }
      try {
        return (await engram.agents.find(ref)).id;
      } catch (error) {
        // The server started for an agent that does not exist (yet): say what to run.
        if (ref === defaultAgent && error instanceof NotFoundError)
          throw new NotFoundError(`this session's agent ${ref} does not exist: ${hint}`, { cause: error });
        throw error;
      }
    },
    async call(body) {
      try {
        return toolResult(await body());
      } catch (error) {
        if (EngramError.isInstance(error) && (error.isUserError || error.code === "unavailable")) {
          return toolError(error.code, error.message);
        }
        onInternalError(error);
        return toolError("internal", "internal error: the server could not complete the call (see its log)");
      }
    },
  };
}

/** A tool's value, as JSON text for any client and as structured content for those that read it. */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/** A failed call in the HTTP API's error shape, flagged so the model sees it failed. */
export function toolError(code: string, message: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `${code}: ${message}` }],
    structuredContent: { error: { code, message } },
  };
}
