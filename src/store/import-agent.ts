import type {
  Agent,
  Episode,
  ExperienceRecord,
  Insight,
  Memory,
  MemoryVersion,
  NewEvent,
} from "../core/types.ts";
import type { HistorySnapshot, IndexedMessage, Store, StoredImage } from "./store.ts";
import type { SharedBlockImport } from "./unit-of-work.ts";

/**
 * An agent with everything it has learned, as an import writes it. Items keep their ids, times and
 * counters; none gets a vector.
 */
export interface AgentImport {
  agent: Agent;
  history: HistorySnapshot;
  /** Each memory (current or archived) with its versions, oldest first. */
  memories: { memory: Memory; versions: MemoryVersion[] }[];
  /**
   * The conversation in order, each message with the texts it is indexed under (as `append` takes
   * them). Read once, in order, so it may be computed as it is read.
   */
  messages: Iterable<IndexedMessage>;
  /** Episodes with all their steps. */
  episodes: Episode[];
  /** The experience records and the experience version (the counter caches compare). */
  experience: { version: number; records: ExperienceRecord[] };
  insights: Insight[];
  /** The images of its messages. */
  images: StoredImage[];
  /** Shared blocks the agent carries, created in its project unless there already, then attached. */
  sharedBlocks?: SharedBlockImport[] | undefined;
  events: NewEvent[];
}

/**
 * Creates the agent with its history and all it has learned, in one unit of work: all of it, or
 * nothing. Active memories and all messages are full-text indexed as live writes index them.
 * @throws ConflictError when the agent or any item's id exists already, or the project has an agent of
 * that name; NotFoundError when the project does not.
 */
export async function importAgent(store: Store, data: AgentImport): Promise<void> {
  const { agent } = data;
  const work = store.unitOfWork();
  work.agents.create(agent, data.history);
  work.memories.import(data.memories);
  work.messages.import(data.messages);
  work.experience.import(agent.id, {
    episodes: data.episodes,
    version: data.experience.version,
    records: data.experience.records,
  });
  work.insights.import(agent.id, data.insights);
  work.images.import(data.images);
  work.sharedBlocks.import(data.sharedBlocks ?? []);
  work.events.add(data.events);
  await work.commit();
}
