import { z } from "zod";
import { toIso } from "../core/clock.ts";
import { filterInput } from "../core/filter/filter-parse.ts";
import { resultText } from "../core/input-limits.ts";
import type { Memory, Message } from "../core/types.ts";
import { memoryInput } from "../memory/memories/schemas.ts";
import { validityNote } from "../memory/memories/validity-note.ts";
import { messageInput } from "../memory/messages/message-service.ts";
import { searchInput } from "../retrieval/search-schema.ts";
import { pieceOffset, textPiece } from "./text-piece.ts";
import { defineTool } from "./tool.ts";

const search = searchInput.shape;

const limit = z.number().int().min(1).max(50).default(10).describe("Most results to return (default 10).");

export const memorySearch = defineTool({
  name: "memory_search",
  title: "Search long-term memory",
  description:
    "Searches the agent's long-term memories (facts, observations, notes …) by meaning and words; " +
    "results come best first with their score. Filter by kinds, tags or the end user they are about.",
  fields: {
    query: search.query.describe("What to look for, in words."),
    limit,
    kinds: search.kinds.describe("Only memories of these kinds (e.g. fact, note)."),
    tags: search.tags.describe("Only memories carrying all of these tags."),
    userId: search.userId.describe(
      "Only memories about this end user, plus the agent's own memories that belong to no user.",
    ),
    validAt: search.validAt.describe(
      "Only memories valid at this ISO 8601 date or time (the past); by default only those valid now.",
    ),
    includeSuperseded: z
      .boolean()
      .optional()
      .describe("Closed and superseded facts too, whatever their validity (history). Default false."),
    filter: filterInput
      .optional()
      .describe(
        'Only memories matching this metadata filter, e.g. {"metadata.topic": "billing"} or ' +
          '{"importance": {"gte": 0.8}}; operators eq ne in nin gt gte lt lte contains exists, joined by AND, OR, NOT.',
      ),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session, agentId }) {
    const { results, warnings } = await session.engram.search(agentId, {
      query: args.query,
      k: args.limit,
      sources: ["memories"],
      kinds: args.kinds,
      tags: args.tags,
      userId: args.userId,
      validAt: args.validAt,
      includeSuperseded: args.includeSuperseded,
      filter: args.filter,
    });
    // Judged where the search looked: at its validAt, else at the engine's present (not the wall
    // clock's: an engine opened with a clock of its own judges by it).
    const reference = { now: toIso(session.engram.now()), validAt: args.validAt };
    return {
      results: results.flatMap((r) => {
        if (r.memory === undefined) return [];
        // As the agent's own tool says it: a fact no longer true (or not yet) says so in words,
        // so that the client's model never takes it for the present.
        const validity = validityNote(r.memory, reference);
        return [
          {
            ...memoryView(r.memory),
            ...(validity === "" ? {} : { validity }),
            scope: r.scope,
            ...(r.writtenBy === undefined ? {} : { writtenBy: r.writtenBy }),
            score: round(r.score),
          },
        ];
      }),
      warnings,
    };
  },
});

const insertable = memoryInput.pick({
  text: true,
  kind: true,
  tags: true,
  importance: true,
  userId: true,
  validFrom: true,
  validTo: true,
  key: true,
  scope: true,
}).shape;

export const memoryInsert = defineTool({
  name: "memory_insert",
  title: "Remember something",
  description:
    "Stores one long-term memory for the agent: a fact, observation, note or summary worth finding " +
    "later with memory_search. Recorded with the agent as its author.",
  fields: {
    text: insertable.text.describe("The memory, self-contained (at most 8,000 characters)."),
    kind: insertable.kind.describe("fact (default), observation, summary, note … one lower-case word."),
    tags: insertable.tags.describe("Short labels to filter by later."),
    importance: insertable.importance.describe("0 (trivial) to 1 (vital); default 0.5."),
    userId: insertable.userId.describe(
      "The end user this memory is about; omit for the agent's own knowledge.",
    ),
    validFrom: insertable.validFrom.describe("When the fact became true (ISO 8601 date or time), if known."),
    validTo: insertable.validTo.describe(
      "When the fact stopped being true (ISO 8601 date or time), if it has.",
    ),
    key: insertable.key.describe(
      "What the fact is about, as lower-case dotted segments (user.city): a new fact with the same key " +
        "and user closes the previous one.",
    ),
    scope: insertable.scope.describe(
      "agent (default): the agent's own memory; project: found by every agent of the project " +
        '(allowed when the agent\'s metadata.projectMemory is "write").',
    ),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { session, agentId }) {
    const memory = await session.engram.memories.add(agentId, args, { actor: "agent" });
    return { memory: { ...memoryView(memory), scope: args.scope ?? "agent" } };
  },
});

export const conversationSearch = defineTool({
  name: "conversation_search",
  title: "Search past conversations",
  description:
    "Searches the agent's conversation log (every message kept, even those long out of the prompt); " +
    "results come best first with their score.",
  fields: {
    query: search.query.describe("What to look for, in words."),
    limit,
    roles: search.roles.describe("Only messages with these roles (user, assistant, system, tool)."),
    userId: search.userId.describe("Only messages of this end user."),
    after: search.after.describe("Only messages sent at or after this ISO 8601 time."),
    before: search.before.describe("Only messages sent before this ISO 8601 time."),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session, agentId }) {
    const { results, warnings } = await session.engram.search(agentId, {
      query: args.query,
      k: args.limit,
      sources: ["messages"],
      roles: args.roles,
      userId: args.userId,
      after: args.after,
      before: args.before,
    });
    return {
      results: results.flatMap((r) =>
        r.message === undefined ? [] : [{ ...foundMessageView(r.message), score: round(r.score) }],
      ),
      warnings,
    };
  },
});

export const messageRead = defineTool({
  name: "message_read",
  title: "Read one whole message",
  description:
    "Reads one message of the conversation log by id, in pieces of at most 4,000 characters: a " +
    "conversation_search result cut short (truncated: true) is read on from its end with offset.",
  fields: {
    id: z.string().min(1).max(100).describe("The message's id (msg_…), from conversation_search."),
    offset: pieceOffset,
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session, agentId }) {
    const message = await session.engram.messages.get(agentId, args.id);
    const { text, ...piece } = textPiece(message.content, args.offset, "message");
    return { message: { ...messageView(message), content: text }, ...piece };
  },
});

const appendable = messageInput.pick({
  role: true,
  content: true,
  name: true,
  userId: true,
  sessionId: true,
}).shape;

export const messageAppend = defineTool({
  name: "message_append",
  title: "Log a conversation message",
  description:
    "Appends one message to the agent's conversation log, so conversation_search can find it later.",
  fields: {
    role: appendable.role.describe("Who spoke: user, assistant, system or tool."),
    content: appendable.content.describe("The message text."),
    name: appendable.name.describe("The speaker's name, when known."),
    userId: appendable.userId.describe("The end user of the conversation."),
    sessionId: appendable.sessionId.describe("The conversation (thread) the message belongs to."),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { session, agentId }) {
    return { message: messageView(await session.engram.messages.append(agentId, args)) };
  },
});

function memoryView(m: Memory) {
  return {
    id: m.id,
    text: m.text,
    kind: m.kind,
    tags: m.tags,
    importance: m.importance,
    userId: m.userId,
    validFrom: m.validFrom,
    validTo: m.validTo,
    key: m.key,
    createdAt: m.createdAt,
  };
}

function messageView(m: Message) {
  return {
    id: m.id,
    role: m.role,
    name: m.name,
    content: m.content,
    userId: m.userId,
    sessionId: m.sessionId,
    createdAt: m.createdAt,
  };
}

/** A message found by a search: its content cut at MAX_RESULT_TEXT (`truncated`, `chars` its length). */
function foundMessageView(m: Message) {
  const { text, ...cut } = resultText(m.content);
  return { ...messageView(m), content: text, ...cut };
}

function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
