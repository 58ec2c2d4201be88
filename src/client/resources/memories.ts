import type { Memory, MemoryVersion, Message } from "../../core/types.ts";
import type { EventListOptions, EventService } from "../../memory/events/event-service.ts";
import type { MemoryService } from "../../memory/memories/memory-service.ts";
import type { MessageService } from "../../memory/messages/message-service.ts";
import type { SearchInput } from "../../retrieval/search-schema.ts";
import type { SearchResponse } from "../../retrieval/search-service.ts";
import { allPages } from "../all-pages.ts";
import { followOverHttp } from "../event-follow.ts";
import type { Transport } from "../transport.ts";

/** Long-term memories over HTTP: the library's `engram.memories` methods, and `search` over them. */
export interface MemoriesClient
  extends Pick<
    MemoryService,
    "add" | "addMany" | "get" | "list" | "update" | "delete" | "archive" | "restore" | "history"
  > {
  /** Hybrid search over memories only: `engram.search` with `sources: ["memories"]` (`memories.search`). */
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
}

/** The conversation log over HTTP: the library's `engram.messages` writes and list, and `search`. */
export interface MessagesClient extends Pick<MessageService, "append" | "appendMany" | "list"> {
  /** Search over messages only: `engram.search` with `sources: ["messages"]` (`messages.search`). */
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
}

/** The event log over HTTP: the library's `engram.events.list` and `follow`, and one agent's events. */
export interface EventsClient extends Pick<EventService, "list" | "follow"> {
  /** One agent's events, oldest first, or the latest first with `newestFirst` (`events.listByAgent`). */
  listByAgent: (
    agentId: string,
    options?: Omit<EventListOptions, "agentId" | "project">,
  ) => ReturnType<EventService["list"]>;
}

type Written<T> = { warnings: string[] } & T;

/** `client.memories`. */
export function memoriesClient(t: Transport): MemoriesClient {
  const path = (agentId: string, memoryId: string) => ({ id: agentId, mid: memoryId });
  return {
    add: async (agentId, input) =>
      (await t.call<Written<{ memory: Memory }>>("memories.add", { params: { id: agentId }, body: input }))
        .memory,
    async addMany(agentId, inputs) {
      const { memories, warnings } = await t.call<Written<{ memories: Memory[] }>>("memories.add", {
        params: { id: agentId },
        body: { memories: inputs },
      });
      return { value: memories, warnings };
    },
    get: (agentId, memoryId) => t.call("memories.get", { params: path(agentId, memoryId) }),
    list: (agentId, { kinds, tags, filter, oldestFirst, ...options } = {}) =>
      t.call("memories.list", {
        params: { id: agentId },
        query: {
          ...options,
          kind: kinds,
          tag: tags,
          filter: filterJson(filter),
          order: oldestFirst === undefined ? undefined : oldestFirst ? "asc" : "desc",
        },
      }),
    async update(agentId, memoryId, patch) {
      const { memory, warnings, changed } = await t.call<Written<{ memory: Memory; changed: boolean }>>(
        "memories.update",
        { params: path(agentId, memoryId), body: patch },
      );
      return { value: memory, warnings, changed };
    },
    delete: (agentId, memoryId) => t.call("memories.delete", { params: path(agentId, memoryId) }),
    archive: (agentId, memoryId) => t.call("memories.archive", { params: path(agentId, memoryId) }),
    restore: (agentId, memoryId) => t.call("memories.restore", { params: path(agentId, memoryId) }),
    history: (agentId, memoryId) =>
      allPages<MemoryVersion>((cursor) =>
        t.call("memories.history", { params: path(agentId, memoryId), query: { cursor, limit: 500 } }),
      ),
    search: (agentId, input) => t.call("memories.search", { params: { id: agentId }, body: input }),
  };
}

/** `client.messages`. Appending records a message without running the agent; `runtime.send` runs it. */
export function messagesClient(t: Transport): MessagesClient {
  return {
    append: (agentId, input) => t.call("runtime.send", { params: { id: agentId }, body: input }),
    appendMany: async (agentId, inputs) =>
      (
        await t.call<{ messages: Message[] }>("runtime.send", {
          params: { id: agentId },
          body: { messages: inputs },
        })
      ).messages,
    list: (agentId, { roles, newestFirst, filter, ...options } = {}) =>
      t.call("messages.list", {
        params: { id: agentId },
        query: {
          ...options,
          filter: filterJson(filter),
          role: roles,
          order: orderOf(newestFirst),
        },
      }),
    search: (agentId, input) => t.call("messages.search", { params: { id: agentId }, body: input }),
  };
}

/** `client.events`. */
export function eventsClient(t: Transport): EventsClient {
  return {
    list: ({ agentId, newestFirst, ...options } = {}) =>
      t.call("events.list", {
        query: { project: t.options.project, ...options, agent: agentId, order: orderOf(newestFirst) },
      }),
    listByAgent: (agentId, { newestFirst, ...options } = {}) =>
      t.call("events.listByAgent", {
        params: { id: agentId },
        query: { ...options, order: orderOf(newestFirst) },
      }),
    follow: (options) => followOverHttp(t, options),
  };
}

/** The library's `newestFirst` (events, messages) as the HTTP API's `order`. */
function orderOf(newestFirst: boolean | undefined): "asc" | "desc" | undefined {
  return newestFirst === undefined ? undefined : newestFirst ? "desc" : "asc";
}

/** A filter travels in a query parameter as JSON. */
function filterJson(filter: Record<string, unknown> | undefined): string | undefined {
  return filter === undefined ? undefined : JSON.stringify(filter);
}
