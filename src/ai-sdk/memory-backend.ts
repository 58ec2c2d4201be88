import type { Agent, Message } from "../core/types.ts";
import type { BlockSet } from "../memory/blocks/block-service.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import type { SearchInput } from "../retrieval/search-schema.ts";
import type { SearchResponse } from "../retrieval/search-service.ts";

/**
 * What the AI SDK middleware calls on engram: four methods with the library's names and signatures.
 * An `Engram` (in-process) fits as it is, and so does an HTTP client with the same method names, so
 * the middleware runs against a local database or a remote server alike.
 *
 * @example
 * const engram: EngramMemoryBackend = createEngram({ path: "./agents.db" });
 */
export interface EngramMemoryBackend {
  agents: {
    /** The agent with this id or name; throws `NotFoundError` when there is none. */
    find(idOrName: string): Promise<Agent>;
  };
  blocks: {
    /** The agent's blocks at its head. */
    list(agentId: string): Promise<BlockSet>;
  };
  /** Hybrid retrieval; the middleware searches memories only, for one user. */
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
  messages: {
    /** Appends messages to the agent's conversation, in order (and checks the sleep-time trigger). */
    appendMany(agentId: string, inputs: readonly MessageInput[]): Promise<Message[]>;
  };
}
