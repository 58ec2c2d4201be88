import type { LanguageModel } from "ai";
import type { Clock } from "../core/clock.ts";
import { toIso } from "../core/clock.ts";
import { NotFoundError } from "../core/errors.ts";
import type { IdGenerator } from "../core/ids.ts";
import type { KeyedLock } from "../core/keyed-lock.ts";
import type { Actor, Agent, Memory, NewEvent } from "../core/types.ts";
import type { McpPolicy } from "../mcp-tools/mcp-policy.ts";
import type { ModelPolicy } from "../models/model-policy.ts";
import type { VectorIndex } from "../retrieval/vector-index.ts";
import type { Store } from "../store/store.ts";
import type { EventKind } from "./events/event-kinds.ts";
import { PROJECT_HOLDER_NAME } from "./memories/project-holder-name.ts";

/** What every service shares: the store, the injected clock and id generator, and the tenant scope. */
export interface EngineContext {
  store: Store;
  now: Clock;
  generateId: IdGenerator;
  /** When set, only this project's data is visible: anything else is "not found". */
  projectId: string | undefined;
  /**
   * Names this engine among every engine on the same database, on any machine: the owner of the
   * turn leases it takes. Random, unlike ids of data, so two engines never share it.
   */
  instanceId: string;
  /** Serialises this process's writers of one agent. */
  writeLock: KeyedLock;
  /** Embeddings and vector search (inactive without an embedding model). */
  vectors: VectorIndex;
  /** Environment for provider settings (models, keys, base URLs). */
  env: NodeJS.ProcessEnv;
  /**
   * The engine's default language model for agents that name none (a model object, e.g. a mock in
   * tests, or `provider:model`); when absent, `ENGRAM_MODEL` is the default.
   */
  model: LanguageModel | string | undefined;
  /**
   * The models this view's callers may name (agents' models, a call's model), when the server
   * requires API keys and so serves tenants; undefined: any.
   */
  modelPolicy?: ModelPolicy | undefined;
  /** The MCP servers this view's callers may give agents (commands, URLs); undefined: any. */
  mcpPolicy?: McpPolicy | undefined;
  /**
   * Told after an agent's messages or finished episodes were appended (sleep-time triggers). Must be
   * cheap and must not throw: the append has already succeeded.
   */
  onActivity?: ((agent: Agent, source: "messages" | "episodes") => Promise<void>) | undefined;
  /**
   * Told after memories were written (a model's decision on new facts is queued from here). Must be
   * cheap and must not throw: the write has already succeeded.
   */
  onMemoriesWritten?: ((agent: Agent, memories: readonly Memory[]) => Promise<void>) | undefined;
}

export function nowIso(ctx: EngineContext): string {
  return toIso(ctx.now());
}

export function makeEvent(
  ctx: EngineContext,
  fields: {
    projectId: string;
    agentId?: string | null;
    actor: Actor;
    kind: EventKind;
    targetType: string;
    targetId: string;
    before?: unknown;
    after?: unknown;
    createdAt?: string;
  },
): NewEvent {
  return {
    id: ctx.generateId("event"),
    projectId: fields.projectId,
    agentId: fields.agentId ?? null,
    actor: fields.actor,
    kind: fields.kind,
    targetType: fields.targetType,
    targetId: fields.targetId,
    before: fields.before ?? null,
    after: fields.after ?? null,
    createdAt: fields.createdAt ?? nowIso(ctx),
  };
}

/** Loads an agent visible in this context. @throws NotFoundError otherwise, exactly as if missing. */
export async function requireAgent(ctx: EngineContext, agentId: string): Promise<Agent> {
  checkAgentId(agentId);
  return visibleAgent(ctx, agentId, await ctx.store.agents.get(agentId));
}

/** Refuses an agent id that is not a non-empty string before anything is read for it. */
export function checkAgentId(agentId: string): void {
  if (typeof agentId !== "string" || agentId === "") throw new NotFoundError("agent id is empty");
}

/**
 * The agent read for `agentId` if this context may see it. @throws NotFoundError otherwise, exactly
 * as if missing.
 */
export function visibleAgent(ctx: EngineContext, agentId: string, agent: Agent | null): Agent {
  // A project's holder of project memories is storage, not an agent anyone may address.
  if (
    agent === null ||
    agent.name === PROJECT_HOLDER_NAME ||
    (ctx.projectId !== undefined && agent.projectId !== ctx.projectId)
  ) {
    throw new NotFoundError(`agent ${agentId} not found`);
  }
  return agent;
}
