import type { SearchInput } from "../retrieval/search-schema.ts";
import type { SearchResponse } from "../retrieval/search-service.ts";
import { type KeysClient, keysClient, type ProjectsClient, projectsClient } from "./resources/accounts.ts";
import { type AgentsClient, agentsClient } from "./resources/agents.ts";
import { type BlocksClient, blocksClient, type HistoryClient, historyClient } from "./resources/blocks.ts";
import { type GroupsClient, groupsClient } from "./resources/groups.ts";
import {
  type EntitiesClient,
  type EvolutionClient,
  type ExperienceClient,
  entitiesClient,
  evolutionClient,
  experienceClient,
  type FeedbackClient,
  feedbackClient,
  type ImagesClient,
  type InsightsClient,
  imagesClient,
  insightsClient,
  type SleeptimeClient,
  sleeptimeClient,
  type TransferClient,
  transferClient,
  type VectorsClient,
  vectorsClient,
} from "./resources/learning.ts";
import { type McpServersClient, mcpServersClient } from "./resources/mcp-servers.ts";
import {
  type EventsClient,
  eventsClient,
  type MemoriesClient,
  type MessagesClient,
  memoriesClient,
  messagesClient,
} from "./resources/memories.ts";
import { type RuntimeClient, runtimeClient } from "./resources/runtime.ts";
import { type SharedBlocksClient, sharedBlocksClient } from "./resources/shared-blocks.ts";
import { type WebhooksClient, webhooksClient } from "./resources/webhooks.ts";
import { type ClientOptions, createTransport } from "./transport.ts";

/**
 * engram over HTTP: the library's namespaces and method names (which are the API's operationIds),
 * with the same inputs and results, and the same EngramError classes when something fails.
 */
export interface EngramClient {
  readonly projects: ProjectsClient;
  readonly keys: KeysClient;
  readonly agents: AgentsClient;
  readonly blocks: BlocksClient;
  readonly history: HistoryClient;
  readonly events: EventsClient;
  readonly memories: MemoriesClient;
  readonly messages: MessagesClient;
  readonly runtime: RuntimeClient;
  readonly experience: ExperienceClient;
  /** The agent's entity graph, as `engram.entities` (reads). */
  readonly entities: EntitiesClient;
  /** Images of messages, as `engram.images`. */
  readonly images: ImagesClient;
  /** Feedback on turns, as `engram.feedback`. */
  readonly feedback: FeedbackClient;
  readonly insights: InsightsClient;
  readonly evolution: EvolutionClient;
  readonly sleeptime: SleeptimeClient;
  readonly transfer: TransferClient;
  readonly vectors: VectorsClient;
  readonly webhooks: WebhooksClient;
  /** Groups of a project's agents, and messages through them. */
  readonly groups: GroupsClient;
  /** Blocks owned by a project and attached to several of its agents. */
  readonly sharedBlocks: SharedBlocksClient;
  /** The MCP servers each agent takes tools from. */
  readonly mcpServers: McpServersClient;
  /** Hybrid retrieval over memories and/or messages, as `engram.search` (`search.all`). */
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
}

/**
 * A client for an engram server. It needs nothing but `fetch`, so it runs in Node, browsers and
 * edge runtimes.
 *
 * @example
 * import { createClient } from "engram/client";
 *
 * const engram = createClient({ baseUrl: "http://127.0.0.1:8420", apiKey: process.env.ENGRAM_API_KEY });
 * const agent = await engram.agents.create({ name: "support" });
 * await engram.blocks.set(agent.id, "human", "Name: Ada.");
 * for await (const event of await engram.runtime.stream(agent.id, { content: "Hi!" }))
 *   if (event.type === "text-delta") console.log(event.text);
 */
export function createClient(options: ClientOptions): EngramClient {
  const t = createTransport(options);
  const projects = projectsClient(t);
  return {
    projects,
    keys: keysClient(t, projects),
    agents: agentsClient(t),
    blocks: blocksClient(t),
    history: historyClient(t),
    webhooks: webhooksClient(t),
    groups: groupsClient(t),
    sharedBlocks: sharedBlocksClient(t),
    mcpServers: mcpServersClient(t),
    events: eventsClient(t),
    memories: memoriesClient(t),
    messages: messagesClient(t),
    runtime: runtimeClient(t),
    experience: experienceClient(t),
    feedback: feedbackClient(t),
    entities: entitiesClient(t),
    images: imagesClient(t),
    insights: insightsClient(t),
    evolution: evolutionClient(t),
    sleeptime: sleeptimeClient(t),
    transfer: transferClient(t),
    vectors: vectorsClient(t),
    search: (agentId, input) => t.call("search.all", { params: { id: agentId }, body: input }),
  };
}
