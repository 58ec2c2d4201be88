import type { Memory, MemoryVersion } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import type { ExportedEpisode, ExportedMemory, ExportedMessage } from "./format.ts";

/** Rows read per store call: an export pages through the stores, never loading a table at once. */
const PAGE = 500;

/** Every memory of the agent, current and archived, oldest first, each with its versions. */
export async function collectMemories(store: Store, agentId: string): Promise<ExportedMemory[]> {
  const out: ExportedMemory[] = [];
  for (let after: string | undefined; ; ) {
    // Newest first: the list is paged by id from the top.
    const page = await store.memories.list({ agentId, archived: "include" }, { after, limit: PAGE });
    const histories = await store.memories.histories(
      agentId,
      page.map((m) => m.id),
    );
    for (const memory of page) out.push(portableMemory(memory, histories.get(memory.id) ?? []));
    if (page.length < PAGE) break;
    after = page.at(-1)?.id;
  }
  return out.reverse();
}

function portableMemory(memory: Memory, versions: readonly MemoryVersion[]): ExportedMemory {
  const { agentId: _, ...fields } = memory;
  return {
    ...fields,
    versions: versions.map(({ memoryId: _id, memory: snapshot, ...version }) => {
      const { id: _i, agentId: _a, ...rest } = snapshot;
      return { ...version, memory: rest };
    }),
  };
}

/** The whole conversation, every user's, in the order it was appended. */
export async function collectMessages(store: Store, agentId: string): Promise<ExportedMessage[]> {
  const out: ExportedMessage[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.messages.list({ agentId }, { after, limit: PAGE });
    for (const { agentId: _, ...message } of page) out.push(message);
    if (page.length < PAGE) break;
    after = page.at(-1)?.id;
  }
  return out;
}

/** Every episode, oldest first, with all its steps. */
export async function collectEpisodes(store: Store, agentId: string): Promise<ExportedEpisode[]> {
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.episodes.list(agentId, { after, limit: PAGE });
    for (const episode of page) ids.push(episode.id);
    if (page.length < PAGE) break;
    after = page.at(-1)?.id;
  }
  const out: ExportedEpisode[] = [];
  for (const id of ids.reverse()) {
    const episode = await store.episodes.get(agentId, id);
    // Gone since it was listed (its agent is being deleted): nothing to carry.
    if (episode === null) continue;
    const { agentId: _, ...rest } = episode;
    out.push(rest);
  }
  return out;
}
