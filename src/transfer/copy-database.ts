import { setImmediate } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { type Clock, systemClock, toIso } from "../core/clock.ts";
import { EngramError } from "../core/errors.ts";
import { createIdGenerator, type IdGenerator } from "../core/ids.ts";
import type { Agent, NewEvent } from "../core/types.ts";
import { maskedView } from "../mcp-tools/mcp-server-config.ts";
import type { EventKind } from "../memory/events/event-kinds.ts";
import { PROJECT_HOLDER_NAME } from "../memory/memories/project-holder-name.ts";
import { importAgent } from "../store/import-agent.ts";
import type { Store } from "../store/store.ts";
import { publicView } from "../webhooks/webhook-view.ts";
import { agentImportOf, documentCounts } from "./agent-import.ts";
import { documentDifference } from "./compare-documents.ts";
import { carriedSetting, notEmptyError, SHOWN_PROJECTS } from "./destination-contents.ts";
import { exportAgent } from "./export-agent.ts";
import { importGraph } from "./graph-section.ts";

/** Rows read per list call. */
const PAGE = 500;

export interface CopyOptions {
  now?: Clock | undefined;
  generateId?: IdGenerator | undefined;
  /** Told after each agent is copied, and after each is verified. */
  onProgress?: ((progress: CopyProgress) => void) | undefined;
  /**
   * Stops the copy between two items when aborted: it then rejects with the signal's reason, and the
   * destination holds what was written so far (the caller takes it away).
   */
  signal?: AbortSignal | undefined;
}

/** Per-agent counts of what was copied. */
export interface CopiedCounts {
  commits: number;
  memories: number;
  messages: number;
  episodes: number;
  experienceRecords: number;
  insights: number;
}

export interface CopyProgress {
  phase: "copy" | "verify";
  agent: { id: string; name: string; projectId: string };
  /** Agents done in this phase, this one included, of `total`. */
  done: number;
  total: number;
  /** What the agent carried (phase `copy`). */
  counts?: CopiedCounts | undefined;
  /** Where its copy differs from the source, null when it does not (phase `verify`). */
  difference?: string | null | undefined;
}

/** What a copy carried, and how its verification went. */
export interface CopyReport {
  projects: number;
  keys: number;
  webhooks: number;
  /** Agent groups copied, and those whose copy differs from the source's (by id and name). */
  groups: { copied: number; differing: { id: string; name: string }[] };
  /** Agents' MCP servers (verified with their agents). */
  mcpServers: number;
  /** Settings copied (those about vectors are not). */
  settings: number;
  agents: {
    /** Every agent copied, the agents that hold a project's memory (hidden from agent lists) too. */
    copied: number;
    /** Of those copied, the agents that hold a project's memory (see docs/retrieval.md, "Project memory"). */
    projectMemoryHolders: number;
    /** Agents whose export from the destination equals their export from the source. */
    verified: number;
    /** Agents whose copy differs, with the first place it does (`memories.3.text`). */
    differing: { id: string; name: string; path: string }[];
  };
  /** Items of every agent, summed. */
  totals: CopiedCounts;
  /** What a copy does not carry, one line each. */
  notes: string[];
}

/** What the destination lacks after a copy, by design. */
export const COPY_NOTES: readonly string[] = [
  "vectors are not copied: run `engram memory reindex` on the destination with an embedding model (full-text search works at once)",
  "the event log is not copied: the destination's log starts with one event per project, key, webhook, shared block, agent, MCP server and group copied",
  "not copied: evolution runs, sleep-time jobs, webhook delivery logs, shared blocks' past edits, and the versions of deleted memories",
];

/**
 * Copies a whole database into an empty one, whatever the backends: projects, API keys (their secret
 * hashes, revocation and times), webhooks (their secrets and state; each is sent only events written
 * after the copy), settings not about vectors, every agent with all it has learned, ids, commit
 * hashes and histories unchanged (through the agent export and `importAgent`), its MCP servers (their
 * secrets too), and the agent groups. Then it exports each agent from both sides and compares them,
 * and its MCP servers; `agents.differing` lists any copy that differs, `groups.differing` any group.
 * Copy a quiet database: writes made to the source meanwhile may or may not be carried.
 *
 * @throws ConflictError when the destination holds anything, naming what.
 * @throws the reason of `options.signal` once it is aborted.
 * @example
 * const report = await copyDatabase(createSqliteStore({ path: "engram.db" }), createPostgresStore({ url }));
 */
export async function copyDatabase(from: Store, to: Store, options: CopyOptions = {}): Promise<CopyReport> {
  await Promise.all([from.ready(), to.ready()]);
  await requireEmpty(to);
  const now = options.now ?? systemClock;
  const generateId = options.generateId ?? createIdGenerator(now);
  const copy: Copy = {
    from,
    to,
    now: () => toIso(now()),
    event: (fields) => ({
      ...fields,
      id: generateId("event"),
      agentId: fields.agentId ?? (fields.targetType === "agent" ? fields.targetId : null),
      actor: "system",
      before: null,
      createdAt: toIso(now()),
    }),
    progress: options.onProgress ?? (() => {}),
    checkpoint: checkpoint(options.signal),
  };
  const projects = await copyProjects(copy);
  await copySharedBlocks(copy);
  const agents = await all(pages((after) => from.agents.list({ after, limit: PAGE })));
  const totals = await copyAgents(copy, agents);
  const mcpServers = await copyMcpServers(copy, agents);
  const groups = await copyGroups(copy);
  const keys = await copyKeys(copy);
  const settings = await copySettings(copy);
  // Last, so that each is sent only what happens after the copy.
  const webhooks = await copyWebhooks(copy);
  const differing = await verifyAgents(copy, agents);
  return {
    projects,
    keys,
    webhooks,
    groups: { copied: groups.length, differing: await differingGroups(copy, groups) },
    mcpServers,
    settings,
    agents: {
      copied: agents.length,
      projectMemoryHolders: agents.filter((agent) => agent.name === PROJECT_HOLDER_NAME).length,
      verified: agents.length - differing.length,
      differing,
    },
    totals,
    notes: [...COPY_NOTES],
  };
}

/** What each step of a copy works with. */
interface Copy {
  from: Store;
  to: Store;
  now(): string;
  /** An event of the copy, written with what it copied (an agent's own, or `agentId`'s). */
  event(
    fields: Pick<NewEvent, "projectId" | "targetType" | "targetId" | "after"> & {
      kind: EventKind;
      agentId?: string;
    },
  ): NewEvent;
  progress(progress: CopyProgress): void;
  /** Called before each item is written or verified: throws once the copy is to stop. */
  checkpoint(): Promise<void>;
}

/**
 * Gives the event loop a turn and throws the signal's reason once it is aborted. A SQLite copy never
 * waits for anything, so without the turn a signal (Ctrl-C) would be heard only once it had ended.
 */
function checkpoint(signal: AbortSignal | undefined): () => Promise<void> {
  if (signal === undefined) return async () => {};
  return async () => {
    await setImmediate();
    signal.throwIfAborted();
  };
}

async function copyProjects({ from, to, event, checkpoint }: Copy): Promise<number> {
  let copied = 0;
  for await (const project of pages((after) => from.projects.list({ after, limit: PAGE }))) {
    await checkpoint();
    const { id } = project;
    await to.projects.create(
      project,
      event({ projectId: id, kind: "project.copied", targetType: "project", targetId: id, after: project }),
    );
    copied++;
  }
  return copied;
}

/**
 * Every shared block at its version, before the agents: those no agent carries (never attached, or
 * detached from all) are in no agent's export, and an agent's import attaches to a block its project has.
 */
async function copySharedBlocks({ from, to, event, checkpoint }: Copy): Promise<void> {
  for await (const block of pages((after) => from.sharedBlocks.list({ after, limit: PAGE }))) {
    await checkpoint();
    const { id, projectId } = block;
    await to.sharedBlocks.create(
      block,
      event({ projectId, kind: "block.copied", targetType: "block", targetId: id, after: block }),
    );
  }
}

/** Each agent through its export document, in one all-or-nothing import per agent, ids kept. */
async function copyAgents(
  { from, to, event, now, progress, checkpoint }: Copy,
  agents: Agent[],
): Promise<CopiedCounts> {
  const totals = { commits: 0, memories: 0, messages: 0, episodes: 0, experienceRecords: 0, insights: 0 };
  for (const [i, agent] of agents.entries()) {
    await checkpoint();
    const doc = await exportAgent(from, agent, now());
    const counts = { commits: doc.commits.length, ...documentCounts(doc) };
    const copied = event({
      projectId: agent.projectId,
      kind: "agent.copied",
      targetType: "agent",
      targetId: agent.id,
      after: { agent, branches: doc.branches, ...counts },
    });
    await importAgent(to, agentImportOf(doc, agent, new Map(), [copied]));
    await importGraph(to, agent.id, doc, new Map());
    for (const key of Object.keys(counts) as (keyof CopiedCounts)[]) totals[key] += counts[key];
    progress({ phase: "copy", agent: brief(agent), done: i + 1, total: agents.length, counts });
  }
  return totals;
}

/** Each agent's MCP servers as stored, their `env` and `headers` secrets too (masked in the events). */
async function copyMcpServers({ from, to, event, checkpoint }: Copy, agents: Agent[]): Promise<number> {
  let copied = 0;
  for (const agent of agents) {
    await checkpoint();
    for (const server of await from.mcpServers.list(agent.id)) {
      // A secret the source's key does not open cannot be carried over.
      if (server.secretProblem !== undefined) throw new EngramError("unavailable", server.secretProblem);
      const copiedEvent = event({
        projectId: agent.projectId,
        agentId: agent.id,
        kind: "mcp_server.copied",
        targetType: "mcp_server",
        targetId: server.name,
        after: maskedView(server),
      });
      await to.mcpServers.put(agent.id, server.name, () => ({ server, event: copiedEvent }));
      copied++;
    }
  }
  return copied;
}

/** The agent groups, after the agents they name. Returns the ids and names of those copied. */
async function copyGroups({ from, to, event, checkpoint }: Copy): Promise<{ id: string; name: string }[]> {
  const copied: { id: string; name: string }[] = [];
  for await (const group of pages((after) => from.groups.list({ after, limit: PAGE }))) {
    await checkpoint();
    const { id, projectId, name } = group;
    await to.groups.create(
      group,
      event({ projectId, kind: "group.copied", targetType: "group", targetId: id, after: group }),
    );
    copied.push({ id, name });
  }
  return copied;
}

/** The copied groups that differ on the destination from the source's (deleted since: not). */
async function differingGroups({ from, to, checkpoint }: Copy, groups: { id: string; name: string }[]) {
  const differing: { id: string; name: string }[] = [];
  for (const group of groups) {
    await checkpoint();
    const source = await from.groups.get(group.id);
    if (source !== null && !isDeepStrictEqual(source, await to.groups.get(group.id))) differing.push(group);
  }
  return differing;
}

/** Keys with their secrets' hashes, revoked ones too. */
async function copyKeys({ from, to, event, checkpoint }: Copy): Promise<number> {
  let copied = 0;
  for await (const listed of pages((after) => from.keys.list({ after, limit: PAGE, includeRevoked: true }))) {
    await checkpoint();
    const key = await from.keys.get(listed.id);
    // Deleted with its project since it was listed.
    if (key === null) continue;
    const { secretHash: _, ...shown } = key;
    const { id, projectId } = key;
    await to.keys.create(
      key,
      event({ projectId, kind: "key.copied", targetType: "key", targetId: id, after: shown }),
    );
    copied++;
  }
  return copied;
}

async function copySettings({ from, to, checkpoint }: Copy): Promise<number> {
  let copied = 0;
  for (const { key, value } of await from.settings.list()) {
    if (!carriedSetting(key)) continue;
    await checkpoint();
    await to.settings.set(key, value);
    copied++;
  }
  return copied;
}

/**
 * Webhooks with their secrets and state. A cursor counts the events of its own database, which the
 * destination does not have: each starts at the destination's end, as a new webhook does.
 */
async function copyWebhooks({ from, to, event, checkpoint }: Copy): Promise<number> {
  let copied = 0;
  for await (const webhook of pages((after) => from.webhooks.list({ after, limit: PAGE }))) {
    await checkpoint();
    const { secret, secretProblem: _, ...rest } = webhook;
    // A secret the source's key does not open cannot be carried over.
    if (secret === null)
      throw new EngramError("unavailable", webhook.secretProblem ?? "a webhook's secret is sealed");
    const moved = { ...rest, secret, cursor: await to.events.lastSeq() };
    const { id, projectId } = webhook;
    await to.webhooks.create(
      moved,
      event({
        projectId,
        kind: "webhook.copied",
        targetType: "webhook",
        targetId: id,
        after: publicView(moved),
      }),
    );
    copied++;
  }
  return copied;
}

/** Exports each agent from both sides and compares them; returns those that differ, and where. */
async function verifyAgents({ from, to, now, progress, checkpoint }: Copy, agents: Agent[]) {
  const differing: CopyReport["agents"]["differing"] = [];
  for (const [i, agent] of agents.entries()) {
    await checkpoint();
    const difference = await compareAgent(from, to, agent, now());
    if (difference !== null) differing.push({ id: agent.id, name: agent.name, path: difference });
    progress({ phase: "verify", agent: brief(agent), done: i + 1, total: agents.length, difference });
  }
  return differing;
}

/** Where the agent's export from `to` differs from its export from `from`, or null. */
async function compareAgent(from: Store, to: Store, agent: Agent, at: string): Promise<string | null> {
  const copy = await to.agents.get(agent.id);
  if (copy === null) return "(agent missing)";
  const source = await from.agents.get(agent.id);
  // Deleted from the source since it was copied: what was copied is what there was.
  if (source === null) return null;
  if (source.projectId !== copy.projectId) return "projectId";
  const difference = documentDifference(await exportAgent(from, source, at), await exportAgent(to, copy, at));
  if (difference !== null) return difference;
  const [sourceServers, servers] = await Promise.all([
    from.mcpServers.list(agent.id),
    to.mcpServers.list(agent.id),
  ]);
  for (const [i, server] of sourceServers.entries()) {
    if (!isDeepStrictEqual(server, servers[i])) return `mcpServers.${server.name}`;
  }
  return servers.length === sourceServers.length ? null : "mcpServers";
}

/**
 * Checks that a store may be copied into: `copyDatabase` does first, and a caller may before it, to
 * tell a refused copy from one that failed having written.
 *
 * @throws ConflictError naming what the store holds, unless it holds nothing a copy would write.
 */
export async function requireEmpty(store: Store): Promise<void> {
  const projects = await store.projects.list({ limit: SHOWN_PROJECTS + 1 });
  const settings = (await store.settings.list()).filter(({ key }) => carriedSetting(key));
  const refusal = notEmptyError({
    projects: projects.map((p) => p.name),
    settings: settings.map((s) => s.key),
  });
  if (refusal !== null) throw refusal;
}

/** Every item of a list paged by id. */
async function* pages<T extends { id: string }>(
  list: (after: string | undefined) => Promise<T[]>,
): AsyncGenerator<T> {
  for (let after: string | undefined; ; ) {
    const page = await list(after);
    yield* page;
    if (page.length < PAGE) return;
    after = page.at(-1)?.id;
  }
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function brief(agent: Agent): CopyProgress["agent"] {
  return { id: agent.id, name: agent.name, projectId: agent.projectId };
}
