import { z } from "zod";
import { checkMessagingSettings } from "../../agent/messaging/messaging-settings.ts";
import { agentNameCandidates, ID_LIKE_NAME, isAgentId, MAX_AGENT_NAME } from "../../core/agent-names.ts";
import { InvalidInputError, NotFoundError } from "../../core/errors.ts";
import type { Group } from "../../core/group-types.ts";
import { sha256 } from "../../core/hash.ts";
import { wellFormedPrefix } from "../../core/input-limits.ts";
import type { Agent, Author, Blob, NewEvent, Page, TreeEntry } from "../../core/types.ts";
import { charCount, parseInput } from "../../core/validation.ts";
import { checkModelAllowed } from "../../models/model-policy.ts";
import type { Store } from "../../store/store.ts";
import { makeCommit } from "../blocks/commit-hash.ts";
import { resolveRevision } from "../blocks/resolve.ts";
import { BLOCK_DEFAULTS, type BlockInput, blockInput } from "../blocks/schemas.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../context.ts";
import { PROJECT_HOLDER_NAME } from "../memories/project-holder-name.ts";
import { isProjectHolder } from "../memories/project-memory.ts";
import { pageInput, pageOf } from "../pagination.ts";
import { DEFAULT_PROJECT, type ProjectService } from "../projects/project-service.ts";
import { agentMetadata } from "./agent-metadata.ts";

export const DEFAULT_BRANCH = "main";

/** Blocks an agent starts with when none are given. */
export const DEFAULT_BLOCKS: readonly BlockInput[] = [
  {
    label: "persona",
    value: "",
    description: "Who you are: your role, personality and how you behave. Keep it current as you learn.",
  },
  {
    label: "human",
    value: "",
    description: "What you know about the person you are talking with: name, preferences, goals, context.",
  },
];

/** Shared with import, which holds an exported agent to the rules of a live one. */
export const agentName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_AGENT_NAME)
  .refine((name) => name !== PROJECT_HOLDER_NAME, `"${PROJECT_HOLDER_NAME}" is reserved`)
  .refine((name) => !isAgentId(name), ID_LIKE_NAME);
export const modelName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:.+$/, "must be provider:model, e.g. openai:gpt-4o-mini or ollama:qwen3:8b");

/** The providers a `provider:model` string may name: those engram can call. */
export const MODEL_PROVIDERS = ["openai", "anthropic", "ollama", "openai-compatible"] as const;

/**
 * An agent's model as a caller gives it: `provider:model` of a provider engram can call, so that a
 * misspelt one (`opneai:gpt-4o`) is refused where it is written rather than at the agent's first turn.
 * (An imported agent keeps whatever model it was exported with: `modelName`.)
 */
const agentModel = modelName.refine(
  (spec) => (MODEL_PROVIDERS as readonly string[]).includes(spec.slice(0, spec.indexOf(":"))),
  { error: `must name a provider engram can call: ${MODEL_PROVIDERS.map((p) => `${p}:`).join(", ")}` },
);

/** The longest instructions an agent may have (in UTF-16 code units, as zod counts). */
export const MAX_INSTRUCTIONS = 100_000;
export const agentInstructions = z.string().max(MAX_INSTRUCTIONS);

export const createAgentInput = z.strictObject({
  name: agentName,
  project: z.string().min(1).optional(),
  model: agentModel.nullable().optional(),
  instructions: agentInstructions.default(""),
  metadata: agentMetadata.default({}),
  blocks: z.array(blockInput).max(100).optional(),
});
export type CreateAgentInput = z.input<typeof createAgentInput>;

export const updateAgentInput = z.strictObject({
  name: agentName.optional(),
  model: agentModel.nullable().optional(),
  instructions: agentInstructions.optional(),
  metadata: agentMetadata.optional(),
});
export type UpdateAgentInput = z.input<typeof updateAgentInput>;

export const forkAgentInput = z.strictObject({
  name: agentName.optional(),
  /** Revision to fork from; defaults to the head of the default branch. */
  at: z.string().min(1).optional(),
});
export type ForkAgentInput = z.input<typeof forkAgentInput>;

export class AgentService {
  readonly #ctx: EngineContext;
  readonly #projects: ProjectService;

  constructor(ctx: EngineContext, projects: ProjectService) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /**
   * Creates an agent with its initial blocks as the first commit of `main`. With `createProject`, a
   * named project that does not exist yet is created first (as `keys.create` does).
   */
  async create(input: CreateAgentInput, options: { createProject?: boolean } = {}): Promise<Agent> {
    const parsed = parseInput(createAgentInput, input, "agent");
    checkMessagingSettings(parsed.metadata, "agent");
    const blocks = parsed.blocks ?? DEFAULT_BLOCKS.map((b) => blockInput.parse(b));
    const tree: TreeEntry[] = [];
    const blobs: Blob[] = [];
    const seen = new Set<string>();
    blocks.forEach((block, index) => {
      if (seen.has(block.label))
        throw new InvalidInputError(`invalid agent: blocks.${index}.label: "${block.label}" appears twice`);
      seen.add(block.label);
      const limit = block.limit ?? BLOCK_DEFAULTS.limit;
      const size = charCount(block.value);
      if (size > limit) {
        throw new InvalidInputError(
          `invalid agent: blocks.${index}.value: ${size} characters, over the block's limit of ${limit}`,
        );
      }
      const valueHash = sha256(block.value);
      blobs.push({ hash: valueHash, value: block.value });
      tree.push({
        label: block.label,
        description: block.description ?? "",
        limit,
        readOnly: block.readOnly ?? false,
        valueHash,
      });
    });
    if (parsed.model != null) checkModelAllowed(this.#ctx, parsed.model, "model");
    // Only once the input is known good: resolving may create the default project.
    const project = await this.#projects.target(parsed.project, { createMissing: options.createProject });
    const at = nowIso(this.#ctx);
    const agent: Agent = {
      id: this.#ctx.generateId("agent"),
      projectId: project.id,
      name: parsed.name,
      model: parsed.model ?? null,
      instructions: parsed.instructions,
      metadata: parsed.metadata,
      defaultBranch: DEFAULT_BRANCH,
      createdAt: at,
      updatedAt: at,
    };
    const root = makeCommit({ parentId: null, tree, author: "user", message: "create agent", createdAt: at });
    await this.#ctx.store.agents.create(
      agent,
      { commits: [root], blobs: uniqueBlobs(blobs), branches: [{ name: DEFAULT_BRANCH, head: root.id }] },
      [
        makeEvent(this.#ctx, {
          projectId: project.id,
          agentId: agent.id,
          actor: "user",
          kind: "agent.created",
          targetType: "agent",
          targetId: agent.id,
          after: { agent, commit: root.id, blocks: blocks.map((b) => b.label) },
          createdAt: at,
        }),
      ],
    );
    return agent;
  }

  async get(agentId: string): Promise<Agent> {
    return requireAgent(this.#ctx, agentId);
  }

  /**
   * Finds an agent by id, or by its name (unique within a project).
   * @throws NotFoundError when there is no such agent.
   */
  async find(idOrName: string, options: { project?: string | undefined } = {}): Promise<Agent> {
    if (isAgentId(idOrName)) {
      const agent = await requireAgent(this.#ctx, idOrName);
      if (
        options.project !== undefined &&
        (await this.#projects.get(options.project)).id !== agent.projectId
      ) {
        throw new NotFoundError(`agent ${idOrName} not found`);
      }
      return agent;
    }
    const project =
      options.project === undefined && this.#ctx.projectId === undefined
        ? await this.#projects.find(DEFAULT_PROJECT)
        : await this.#resolveProject(options.project, false);
    if (project === null) throw new NotFoundError(`agent ${idOrName} not found`);
    const agent = await this.#ctx.store.agents.getByName(project.id, idOrName);
    if (agent === null || isProjectHolder(agent)) throw new NotFoundError(`agent ${idOrName} not found`);
    return agent;
  }

  async list(
    options: { project?: string | undefined; cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<Agent>> {
    const { cursor, limit } = pageInput({ cursor: options.cursor, limit: options.limit }, "agent");
    const projectId =
      options.project !== undefined ? (await this.#projects.get(options.project)).id : this.#ctx.projectId;
    const rows = await this.#ctx.store.agents.list({ projectId, after: cursor, limit: limit + 1 });
    // The holder of project memories is left out here, not in the store: copies, re-embedding and
    // exports of the database must still see it. A page may then hold one fewer than the limit.
    const page = pageOf(rows, limit, (a) => a.id);
    return { ...page, items: page.items.filter((a) => !isProjectHolder(a)) };
  }

  /** Changes an agent's settings; `actor` says who, in the event (default `user`). */
  async update(agentId: string, input: UpdateAgentInput, options: { actor?: Author } = {}): Promise<Agent> {
    const { after, event } = await this.prepareUpdate(agentId, input, options);
    await this.#ctx.store.agents.update(after, event);
    return after;
  }

  /**
   * Computes what `update` would write (the agent as it would be, and its event) without writing
   * it, so the change can be written together with others (an accepted evolution candidate).
   */
  async prepareUpdate(
    agentId: string,
    input: UpdateAgentInput,
    options: { actor?: Author } = {},
  ): Promise<{ before: Agent; after: Agent; event: NewEvent }> {
    const patch = parseInput(updateAgentInput, input, "agent update");
    if (patch.metadata !== undefined) checkMessagingSettings(patch.metadata, "agent update");
    if (patch.model != null) checkModelAllowed(this.#ctx, patch.model, "model");
    const before = await requireAgent(this.#ctx, agentId);
    const after: Agent = {
      ...before,
      name: patch.name ?? before.name,
      model: patch.model === undefined ? before.model : patch.model,
      instructions: patch.instructions ?? before.instructions,
      metadata: patch.metadata ?? before.metadata,
      updatedAt: nowIso(this.#ctx),
    };
    const event = makeEvent(this.#ctx, {
      projectId: after.projectId,
      agentId: after.id,
      actor: options.actor ?? "user",
      kind: "agent.updated",
      targetType: "agent",
      targetId: after.id,
      before,
      after,
    });
    return { before, after, event };
  }

  /** Deletes the agent with its whole block history, in one transaction. */
  /**
   * Deletes the agent and all it owns. The groups it manages go with it (`group.deleted`), and it
   * leaves the groups it is a member of (`group.updated`, the group before and after).
   */
  async delete(agentId: string): Promise<void> {
    const agent = await requireAgent(this.#ctx, agentId);
    const groupEvent = (group: Group) => {
      const managed = group.managerId === agent.id;
      return makeEvent(this.#ctx, {
        projectId: group.projectId,
        actor: "user",
        kind: managed ? "group.deleted" : "group.updated",
        targetType: "group",
        targetId: group.id,
        before: group,
        ...(managed
          ? {}
          : { after: { ...group, members: group.members.filter((m) => m.agentId !== agent.id) } }),
      });
    };
    await this.#ctx.store.agents.delete(
      agent.id,
      makeEvent(this.#ctx, {
        projectId: agent.projectId,
        agentId: agent.id,
        actor: "user",
        kind: "agent.deleted",
        targetType: "agent",
        targetId: agent.id,
        before: agent,
      }),
      (groups) => groups.map(groupEvent),
    );
  }

  /**
   * A new agent whose history is the source's up to a revision: the same commits (same ids), with
   * its `main` branch at that revision. The two then evolve independently.
   */
  async fork(agentId: string, input: ForkAgentInput = {}): Promise<Agent> {
    const parsed = parseInput(forkAgentInput, input, "fork");
    const source = await requireAgent(this.#ctx, agentId);
    const at = await resolveRevision(this.#ctx, source, parsed.at ?? "HEAD");
    const history = await this.#ctx.store.history.snapshot(source.id, at);
    const now = nowIso(this.#ctx);
    const agent: Agent = {
      ...source,
      id: this.#ctx.generateId("agent"),
      name:
        parsed.name ??
        (await freeAgentNameIn(
          this.#ctx.store,
          source.projectId,
          `${wellFormedPrefix(source.name, MAX_AGENT_NAME - 7)} (fork)`,
        )),
      metadata: { ...source.metadata, forkedFrom: { agentId: source.id, commit: at } },
      defaultBranch: DEFAULT_BRANCH,
      createdAt: now,
      updatedAt: now,
    };
    await this.#ctx.store.agents.create(
      agent,
      { ...history, branches: [{ name: DEFAULT_BRANCH, head: at }] },
      [
        makeEvent(this.#ctx, {
          projectId: agent.projectId,
          agentId: agent.id,
          actor: "user",
          kind: "agent.forked",
          targetType: "agent",
          targetId: agent.id,
          after: { agent, from: { agentId: source.id, commit: at } },
          createdAt: now,
        }),
      ],
    );
    return agent;
  }

  async #resolveProject(name: string | undefined, create = true) {
    if (name !== undefined) return this.#projects.get(name);
    if (this.#ctx.projectId !== undefined) return this.#projects.get(this.#ctx.projectId);
    return create ? this.#projects.ensure(DEFAULT_PROJECT) : this.#projects.get(DEFAULT_PROJECT);
  }
}

/** `name` if no agent of the project has it, else the first free `name-2`, `name-3`, … */
export async function freeAgentNameIn(store: Store, projectId: string, name: string): Promise<string> {
  for (const candidate of agentNameCandidates(name))
    if ((await store.agents.getByName(projectId, candidate)) === null) return candidate;
  throw new Error("unreachable");
}

function uniqueBlobs(blobs: readonly Blob[]): Blob[] {
  return [...new Map(blobs.map((b) => [b.hash, b])).values()];
}
