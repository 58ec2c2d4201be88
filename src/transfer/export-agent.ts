import type { Agent } from "../core/types.ts";
import type { ImageMediaType } from "../images/image-bytes.ts";
import type { Store } from "../store/store.ts";
import { collectEpisodes, collectMemories, collectMessages } from "./collect.ts";
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportDocument, type ExportedSharedBlock } from "./format.ts";

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
    ...(await sharedBlocksOf(store, agent.id)),
    images: (await store.images.list(agent.id)).map(({ agentId: _a, data, ...image }) => ({
      ...image,
      // Only sniffed types are ever stored.
      mediaType: image.mediaType as ImageMediaType,
      data: Buffer.from(data).toString("base64"),
    })),
    graph: await store.graph.dump(agent.id),
  };
}

/** The shared blocks the agent carries, as the document holds them (nothing when there are none). */
async function sharedBlocksOf(
  store: Store,
  agentId: string,
): Promise<{ sharedBlocks?: ExportedSharedBlock[] }> {
  const attachments = await store.sharedBlocks.attachmentsOf(agentId);
  const sharedBlocks: ExportedSharedBlock[] = [];
  for (const a of attachments) {
    const block = await store.sharedBlocks.get(a.blockId);
    if (block === null) continue;
    const { projectId: _p, version: _v, ...portable } = block;
    sharedBlocks.push({
      ...portable,
      attachment: { label: a.label, readOnly: a.readOnly, createdAt: a.createdAt },
    });
  }
  return sharedBlocks.length === 0 ? {} : { sharedBlocks };
}
