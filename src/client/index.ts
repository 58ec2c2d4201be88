/**
 * A typed client for engram's HTTP API: {@link createClient} returns an object with the library's
 * namespaces and method names (`agents.create`, `blocks.set`, `memories.add`, `search`,
 * `runtime.send`, `runtime.stream` …), which are also the API's operationIds. Inputs and results are
 * the library's types; failures are the library's EngramError classes. It depends on nothing but
 * `fetch`.
 *
 * @example
 * import { createClient, NotFoundError } from "engram/client";
 *
 * const engram = createClient({ baseUrl: "http://127.0.0.1:8420", apiKey: "ek_…" });
 * const agent = await engram.agents.create({ name: "support" });
 * const { answer } = await engram.runtime.send(agent.id, { content: "Hello", userId: "u1" });
 *
 * @module engram/client
 */
export {
  ConflictError,
  EngramError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnsupportedFormatError,
} from "../core/errors.ts";
export { createClient, type EngramClient } from "./client.ts";
export { errorFromJSON } from "./errors.ts";
export { OPERATIONS, type Operation, type OperationId, UNCLIENTED_OPERATIONS } from "./operations.ts";
export type { KeysClient, ProjectsClient } from "./resources/accounts.ts";
export type { AgentsClient } from "./resources/agents.ts";
export type { BlocksClient, HistoryClient } from "./resources/blocks.ts";
export type { GroupsClient } from "./resources/groups.ts";
export type {
  EntitiesClient,
  EvolutionClient,
  ExperienceClient,
  FeedbackClient,
  ImagesClient,
  InsightsClient,
  SleeptimeClient,
  TransferClient,
  VectorsClient,
} from "./resources/learning.ts";
export type { McpServersClient } from "./resources/mcp-servers.ts";
export type { EventsClient, MemoriesClient, MessagesClient } from "./resources/memories.ts";
export type { RuntimeClient } from "./resources/runtime.ts";
export type { SharedBlocksClient } from "./resources/shared-blocks.ts";
export type { WebhooksClient } from "./resources/webhooks.ts";
export type { CallInput, ClientOptions, QueryValue, Transport } from "./transport.ts";
