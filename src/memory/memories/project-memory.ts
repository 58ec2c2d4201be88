import { ConflictError, ForbiddenError } from "../../core/errors.ts";
import type { Agent, JsonObject, Memory } from "../../core/types.ts";
import { makeCommit } from "../blocks/commit-hash.ts";
import { checkAgentId, type EngineContext, makeEvent, nowIso, visibleAgent } from "../context.ts";
import { PROJECT_HOLDER_NAME } from "./project-holder-name.ts";

export { PROJECT_HOLDER_NAME };

/**
 * Project memory: memories that belong to a project rather than one agent. They are stored under the
 * project's holder, a hidden agent row made on first use, so that every per-agent structure (the
 * full-text index, BM25 statistics, vectors, keyed facts) serves them unchanged; an agent's search
 * runs over its own memories and the holder's and fuses the two lists. The holder is not listed and
 * not addressable as an agent.
 */

/** Where a memory belongs: to the agent that wrote it, or to its project. */
export type MemoryScope = "agent" | "project";

/** What an agent may do with its project's memory (`agent.metadata.projectMemory`), least first. */
export const PROJECT_MEMORY_ACCESS = ["none", "read", "write"] as const;
/** What an agent may do with its project's memory (`agent.metadata.projectMemory`). */
export type ProjectMemoryAccess = (typeof PROJECT_MEMORY_ACCESS)[number];

/** The reserved metadata key of a project memory that names the agent that wrote it. */
export const WRITTEN_BY = "writtenBy";

/** Whether this agent row is a project's holder of project memories. */
export const isProjectHolder = (agent: Pick<Agent, "name">): boolean => agent.name === PROJECT_HOLDER_NAME;

/** The agent's project memory access: `metadata.projectMemory`, reading by default. */
export function projectMemoryAccess(agent: Agent): ProjectMemoryAccess {
  const value = agent.metadata.projectMemory;
  return value === "none" || value === "write" ? value : "read";
}

/** Refuses a project memory write by an agent's own tools unless the agent may write project memory. */
export function checkProjectWrite(agent: Agent): void {
  if (projectMemoryAccess(agent) !== "write")
    throw new ForbiddenError(
      `agent ${agent.id} may not write project memory: set its metadata.projectMemory to "write" to allow it`,
    );
}

/** The project's holder, or null while the project has no project memory. */
export async function findProjectHolder(ctx: EngineContext, projectId: string): Promise<Agent | null> {
  return ctx.store.agents.getByName(projectId, PROJECT_HOLDER_NAME);
}

/** How long a holder's id, once found, is used without asking the store again. */
const HOLDER_ID_KEPT_MS = 5000;
/** Most projects whose holder's id an engine keeps. */
const HOLDER_IDS_KEPT = 10_000;
const holderIds = new WeakMap<EngineContext, Map<string, { id: string; until: number }>>();

/**
 * The id of the project's holder, or null while the project has no project memory: what every
 * search asks, so a found id is kept for a few seconds (a holder goes only with its project, whose
 * agents then cannot search). A missing one is never kept: project memory made by another server is
 * seen at once.
 */
export async function findProjectHolderId(ctx: EngineContext, projectId: string): Promise<string | null> {
  const hit = holderIds.get(ctx)?.get(projectId);
  if (hit !== undefined && hit.until > performance.now()) return hit.id;
  const holder = await findProjectHolder(ctx, projectId);
  if (holder === null) {
    holderIds.get(ctx)?.delete(projectId);
    return null;
  }
  keepHolderId(ctx, projectId, holder.id);
  return holder.id;
}

function keepHolderId(ctx: EngineContext, projectId: string, id: string): void {
  let kept = holderIds.get(ctx);
  if (kept === undefined) {
    kept = new Map();
    holderIds.set(ctx, kept);
  }
  if (kept.size >= HOLDER_IDS_KEPT) kept.clear();
  kept.set(projectId, { id, until: performance.now() + HOLDER_ID_KEPT_MS });
}

/**
 * An agent visible in this context (as `requireAgent`) and its project's holder's id, in one read:
 * what a search asks first. A found id is kept as `findProjectHolderId` keeps it.
 */
export async function requireAgentAndHolder(
  ctx: EngineContext,
  agentId: string,
): Promise<{ agent: Agent; holderId: string | null }> {
  checkAgentId(agentId);
  const found = await ctx.store.agents.getWithSiblingId(agentId, PROJECT_HOLDER_NAME);
  const agent = visibleAgent(ctx, agentId, found?.agent ?? null);
  const holderId = found?.siblingId ?? null;
  if (holderId !== null) keepHolderId(ctx, agent.projectId, holderId);
  return { agent, holderId };
}

/** The project's holder, made now when it has none (two writers racing: the loser reads the winner's). */
export async function projectHolder(ctx: EngineContext, projectId: string): Promise<Agent> {
  const found = await findProjectHolder(ctx, projectId);
  if (found !== null) return found;
  const at = nowIso(ctx);
  const holder: Agent = {
    id: ctx.generateId("agent"),
    projectId,
    name: PROJECT_HOLDER_NAME,
    model: null,
    instructions: "",
    metadata: {},
    defaultBranch: "main",
    createdAt: at,
    updatedAt: at,
  };
  const root = makeCommit({
    parentId: null,
    tree: [],
    author: "user",
    message: "project memory",
    createdAt: at,
  });
  const event = makeEvent(ctx, {
    projectId,
    agentId: holder.id,
    actor: "user",
    kind: "project.memory_created",
    targetType: "project",
    targetId: projectId,
    createdAt: at,
  });
  try {
    await ctx.store.agents.create(
      holder,
      { commits: [root], blobs: [], branches: [{ name: "main", head: root.id }] },
      [event],
    );
    return holder;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const winner = await findProjectHolder(ctx, projectId);
    if (winner === null) throw error;
    return winner;
  }
}

/** A project memory's metadata with its writer recorded under the reserved key. */
export const withWriter = (metadata: JsonObject, agentId: string): JsonObject => ({
  ...metadata,
  [WRITTEN_BY]: agentId,
});

/** The agent that wrote a project memory, or null when it does not say. */
export function writerOf(memory: Memory): string | null {
  const writer = memory.metadata[WRITTEN_BY];
  return typeof writer === "string" ? writer : null;
}

/** New metadata for a memory, keeping the writer a project memory records (it is not the caller's to change). */
export function keepWriter(before: Memory, metadata: JsonObject): JsonObject {
  const writer = writerOf(before);
  return writer === null ? metadata : withWriter(metadata, writer);
}
