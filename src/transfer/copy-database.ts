import { type Clock, systemClock, toIso } from "../core/clock.ts";
import { ConflictError } from "../core/errors.ts";
import { createIdGenerator, type IdGenerator } from "../core/ids.ts";
import type { Agent, NewEvent } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import { publicView } from "../webhooks/webhook-view.ts";
import { agentImportOf, documentCounts } from "./agent-import.ts";
import { documentDifference } from "./compare-documents.ts";
import { exportAgent } from "./export-agent.ts";

/** Settings under this prefix describe the stored vectors, which a copy does not carry. */
const copied = (key: string) => !key.startsWith("vectors.");

/** Rows read per list call. */
const PAGE = 500;

export interface CopyOptions {
  now?: Clock | undefined;
  generateId?: IdGenerator | undefined;
  /** Told after each agent is copied, and after each is verified. */
  onProgress?: ((progress: CopyProgress) => void) | undefined;
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
  /** Settings copied (those about vectors are not). */
  settings: number;
  agents: {
    copied: number;
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
  "the event log is not copied: the destination's log starts with one event per project, key, webhook and agent copied",
  "not copied: evolution runs, sleep-time jobs, webhook delivery logs, and the versions of deleted memories",
];

/**
 * Copies a whole database into an empty one, whatever the backends: projects, API keys (their secret
 * hashes, revocation and times), webhooks (their secrets and state; each is sent only events written
 * after the copy), settings not about vectors, and every agent with all it has learned, ids, commit
 * hashes and histories unchanged (through the agent export and `importAgent`). Then it exports each
 * agent from both sides and compares them; `agents.differing` lists any copy that differs.
 * Copy a quiet database: writes made to the source meanwhile may or may not be carried.
 *
 * @throws ConflictError when the destination holds anything, naming what.
 * @example
 * const report = await copyDatabase(createSqliteStore({ path: "engram.db" }), createPostgresStore({ url }));
 */
export async function copyDatabase(from: Store, to: Store, options: CopyOptions = {}): Promise<CopyReport> {
  await Promise.all([from.ready(), to.ready()]);
  await requireEmpty(to);
  const now = options.now ?? systemClock;
  const generateId = options.generateId ?? createIdGenerator(now);
  const event = (fields: Pick<NewEvent, "projectId" | "kind" | "targetType" | "targetId" | "after">) => ({
    ...fields,
    id: generateId("event"),
    agentId: fields.targetType === "agent" ? fields.targetId : null,
    actor: "system" as const,
    before: null,
    createdAt: toIso(now()),
  });
  const report: CopyReport = {
    projects: 0,
    keys: 0,
    webhooks: 0,
    settings: 0,
    agents: { copied: 0, verified: 0, differing: [] },
    totals: { commits: 0, memories: 0, messages: 0, episodes: 0, experienceRecords: 0, insights: 0 },
    notes: [...COPY_NOTES],
  };

  for await (const project of pages((after) => from.projects.list({ after, limit: PAGE }))) {
    await to.projects.create(
      project,
      event({
        projectId: project.id,
        kind: "project.copied",
        targetType: "project",
        targetId: project.id,
        after: project,
      }),
    );
    report.projects++;
  }

  const agents = await all(pages((after) => from.agents.list({ after, limit: PAGE })));
  for (const [i, agent] of agents.entries()) {
    const doc = await exportAgent(from, agent, toIso(now()));
    const counts = { commits: doc.commits.length, ...documentCounts(doc) };
    const imported = event({
      projectId: agent.projectId,
      kind: "agent.copied",
      targetType: "agent",
      targetId: agent.id,
      after: { agent, branches: doc.branches, ...counts },
    });
    await to.agents.importAgent(agentImportOf(doc, agent, new Map(), [imported]));
    report.agents.copied++;
    for (const key of Object.keys(counts) as (keyof CopiedCounts)[]) report.totals[key] += counts[key];
    options.onProgress?.({ phase: "copy", agent: brief(agent), done: i + 1, total: agents.length, counts });
  }

  for await (const listed of pages((after) => from.keys.list({ after, limit: PAGE, includeRevoked: true }))) {
    const key = await from.keys.get(listed.id);
    // Deleted with its project since it was listed.
    if (key === null) continue;
    const { secretHash: _, ...shown } = key;
    await to.keys.create(
      key,
      event({
        projectId: key.projectId,
        kind: "key.copied",
        targetType: "key",
        targetId: key.id,
        after: shown,
      }),
    );
    report.keys++;
  }

  for (const { key, value } of await from.settings.list()) {
    if (!copied(key)) continue;
    await to.settings.set(key, value);
    report.settings++;
  }

  // Last, so that each is sent only what happens after the copy: the source's cursor counts the
  // source's events, which the destination does not have.
  for await (const webhook of pages((after) => from.webhooks.list({ after, limit: PAGE }))) {
    const copy = { ...webhook, cursor: await to.events.lastSeq() };
    await to.webhooks.create(
      copy,
      event({
        projectId: webhook.projectId,
        kind: "webhook.copied",
        targetType: "webhook",
        targetId: webhook.id,
        after: publicView(copy),
      }),
    );
    report.webhooks++;
  }

  for (const [i, agent] of agents.entries()) {
    const difference = await compareAgent(from, to, agent, toIso(now()));
    if (difference === null) report.agents.verified++;
    else report.agents.differing.push({ id: agent.id, name: agent.name, path: difference });
    options.onProgress?.({
      phase: "verify",
      agent: brief(agent),
      done: i + 1,
      total: agents.length,
      difference,
    });
  }
  return report;
}

/** Where the agent's export from `to` differs from its export from `from`, or null. */
async function compareAgent(from: Store, to: Store, agent: Agent, at: string): Promise<string | null> {
  const copy = await to.agents.get(agent.id);
  if (copy === null) return "(agent missing)";
  const source = await from.agents.get(agent.id);
  // Deleted from the source since it was copied: what was copied is what there was.
  if (source === null) return null;
  if (source.projectId !== copy.projectId) return "projectId";
  return documentDifference(await exportAgent(from, source, at), await exportAgent(to, copy, at));
}

/** @throws ConflictError naming what the store holds, unless it holds nothing a copy would write. */
async function requireEmpty(store: Store): Promise<void> {
  const shown = 5;
  const projects = await store.projects.list({ limit: shown + 1 });
  const settings = (await store.settings.list()).filter(({ key }) => copied(key));
  if (projects.length === 0 && settings.length === 0) return;
  const held: string[] = [];
  if (projects.length > 0) {
    const names = projects.slice(0, shown).map((p) => p.name);
    held.push(`projects ${names.join(", ")}${projects.length > shown ? " and more" : ""}`);
  }
  if (settings.length > 0) held.push(`settings ${settings.map((s) => s.key).join(", ")}`);
  throw new ConflictError(
    `the destination is not empty: it holds ${held.join("; ")}: copy into a new, empty database`,
  );
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
