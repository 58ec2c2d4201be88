import type { Agent } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import { collectEpisodes, collectMemories, collectMessages } from "./collect.ts";
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportDocument } from "./format.ts";

/**
 * The export document of an agent read from a store: its block history and everything it has
 * learned (vectors aside). What `engram export` writes and `engram copy` compares.
 */
export async function exportAgent(store: Store, agent: Agent, exportedAt: string): Promise<ExportDocument> {
  const history = await store.history.snapshot(agent.id);
  const { projectId: _, ...portable } = agent;
  const experienceVersion = await store.experience.version(agent.id);
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt,
    agent: portable,
    branches: history.branches,
    commits: history.commits,
    blobs: history.blobs,
    memories: await collectMemories(store, agent.id),
    messages: await collectMessages(store, agent.id),
    episodes: await collectEpisodes(store, agent.id),
    experience: {
      version: experienceVersion,
      records: (await store.experience.all(agent.id)).map(({ agentId: _a, ...record }) => record),
    },
    insights: (await store.insights.list(agent.id)).map(({ agentId: _a, ...insight }) => insight),
    graph: await store.graph.dump(agent.id),
  };
}
