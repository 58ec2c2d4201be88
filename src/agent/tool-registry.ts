import type { Schema, Tool, zodSchema } from "ai";
import type { z } from "zod";
import { ConflictError, InvalidInputError } from "../core/errors.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import { MEMORY_TOOL_NAMES } from "./memory-tools.ts";
import { MESSAGING_TOOL_NAMES } from "./messaging/messaging-tools.ts";

/** What a user-defined tool's function is told about the call. */
export interface AgentToolContext {
  agentId: string;
  userId: string | undefined;
  turnId: string;
  toolCallId: string;
  abortSignal: AbortSignal | undefined;
}

/**
 * A tool an application gives an agent: a description for the model, a zod schema for its input
 * (validated before the function runs; invalid input goes back to the model as an error), and the
 * function. What the function returns is sent to the model as the result (JSON); what it throws is
 * sent back as an error the model can react to.
 *
 * @example
 * engram.runtime.addTool(agent.id, "order_status", {
 *   description: "Look up an order's status",
 *   inputSchema: z.object({ orderId: z.string() }),
 *   execute: async ({ orderId }) => ({ status: await shop.status(orderId) }),
 * });
 */
export interface AgentTool<S extends z.ZodType = z.ZodType> {
  description: string;
  inputSchema: S;
  execute(input: z.output<S>, context: AgentToolContext): unknown;
}

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** User-defined tools per agent, held in this process (functions cannot be stored in a database). */
export class ToolRegistry {
  readonly #byAgent = new Map<string, Map<string, AgentTool>>();
  /** Each tool's schema as the SDK takes it, converted to JSON Schema once. */
  readonly #schemas = new WeakMap<AgentTool, Schema>();

  /** Adds a tool, or replaces the agent's tool of the same name. */
  add(agentId: string, name: string, definition: AgentTool): void {
    if (!TOOL_NAME.test(name))
      throw new InvalidInputError(
        `invalid tool: name: must be 1-64 letters, digits, '_' or '-', starting with a letter (got ${JSON.stringify(name)})`,
      );
    if (name.includes("__"))
      throw new InvalidInputError(
        `invalid tool: name: '__' is kept for MCP servers' tools (SERVER__TOOL) (got ${JSON.stringify(name)})`,
      );
    if ((MEMORY_TOOL_NAMES as readonly string[]).includes(name))
      throw new ConflictError(`invalid tool: name: ${name} is a built-in memory tool`);
    if ((MESSAGING_TOOL_NAMES as readonly string[]).includes(name))
      throw new ConflictError(`invalid tool: name: ${name} is a built-in messaging tool`);
    if (typeof definition?.execute !== "function")
      throw new InvalidInputError("invalid tool: execute: must be a function");
    if (typeof definition.inputSchema?.safeParse !== "function")
      throw new InvalidInputError("invalid tool: inputSchema: must be a zod schema");
    if (typeof definition.description !== "string" || definition.description.trim() === "")
      throw new InvalidInputError("invalid tool: description: must not be empty");
    let tools = this.#byAgent.get(agentId);
    if (tools === undefined) {
      tools = new Map();
      this.#byAgent.set(agentId, tools);
    }
    tools.set(name, definition);
    this.#schemas.set(
      definition,
      aiSdk().zodSchema(definition.inputSchema as Parameters<typeof zodSchema>[0]),
    );
  }

  /** Removes a tool; false when the agent had none of that name. */
  remove(agentId: string, name: string): boolean {
    return this.#byAgent.get(agentId)?.delete(name) ?? false;
  }

  names(agentId: string): string[] {
    return [...(this.#byAgent.get(agentId)?.keys() ?? [])];
  }

  definitions(agentId: string): [string, AgentTool][] {
    return [...(this.#byAgent.get(agentId)?.entries() ?? [])];
  }

  /** The agent's tools as AI SDK tools, bound to one turn. */
  toolSet(
    agentId: string,
    scope: Omit<AgentToolContext, "toolCallId" | "abortSignal">,
  ): Record<string, Tool> {
    const out: Record<string, Tool> = {};
    for (const [name, definition] of this.definitions(agentId)) {
      out[name] = aiSdk().tool({
        description: definition.description,
        inputSchema: this.#schemas.get(definition) ?? definition.inputSchema,
        execute: async (input: unknown, options) =>
          definition.execute(input, {
            ...scope,
            toolCallId: options.toolCallId,
            abortSignal: options.abortSignal,
          }),
      });
    }
    return out;
  }
}
