import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { messageFilterSchema } from "../../core/filter/filter-parse.ts";
import { MAX_SESSION_ID, MAX_USER_ID } from "../../core/input-limits.ts";
import { jsonObject } from "../../core/json-object.ts";
import { nullAsAbsent } from "../../core/null-as-absent.ts";
import { MESSAGE_ROLES, type Message, type Page } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import { keepsGraph } from "../../graph/graph-mode.ts";
import { messageRecord } from "../../graph/graph-records.ts";
import { storeWith } from "../../retrieval/vector-index.ts";
import {
  CONTEXT_RADIUS,
  captionOf,
  conversationKey,
  messageIndexer,
} from "../../store/rows/message-fields.ts";
import type { IndexedMessage, UserConversation } from "../../store/store.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../context.ts";
import { checkSpan, isoTime, provenanceInput } from "../memories/schemas.ts";
import { dropUndefined, notACursor, pageOf } from "../pagination.ts";

/** Longest message accepted, in characters. */
export const MAX_MESSAGE_CHARS = 100_000;
export const MAX_MESSAGE_BATCH = 1000;

/** Shared with import, which holds an exported message to the rules of a live one. */
export const messageContent = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`);
export const messageName = z.string().min(1).max(200);
export const messageUserId = z.string().min(1).max(MAX_USER_ID);
export const sessionId = z.string().min(1).max(MAX_SESSION_ID);

export const messageInput = z.strictObject({
  role: z.enum(MESSAGE_ROLES),
  content: messageContent,
  // The fields a message reads back as null take null as not given, so a message read can be sent back.
  name: nullAsAbsent(messageName),
  userId: nullAsAbsent(messageUserId),
  /** The conversation session (thread); a message's neighbours are taken within its session. */
  sessionId: nullAsAbsent(sessionId),
  createdAt: isoTime.optional(),
  provenance: provenanceInput.optional(),
  metadata: jsonObject.default({}),
});
export type MessageInput = z.input<typeof messageInput>;

export const messageListInput = z.strictObject({
  userId: messageUserId.optional(),
  sessionId: sessionId.optional(),
  roles: z.array(z.enum(MESSAGE_ROLES)).optional(),
  after: isoTime.optional(),
  before: isoTime.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  /** Newest first instead of oldest first. */
  newestFirst: z.boolean().optional(),
  /** A metadata filter over `metadata.*`, role, userId, sessionId and createdAt (docs/filters.md). */
  filter: messageFilterSchema.optional(),
});
export type MessageListInput = z.input<typeof messageListInput>;

/** The conversation log (recall memory): append, list, get. Search is in SearchService. */
export class MessageService {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async append(agentId: string, input: MessageInput): Promise<Message> {
    const [message] = await this.appendMany(agentId, [input]);
    return message as Message;
  }

  /** Appends messages in order, in one transaction. */
  async appendMany(agentId: string, inputs: readonly MessageInput[]): Promise<Message[]> {
    if (!Array.isArray(inputs) || inputs.length === 0)
      throw new InvalidInputError("invalid messages: must be a non-empty list");
    if (inputs.length > MAX_MESSAGE_BATCH)
      throw new InvalidInputError(`invalid messages: at most ${MAX_MESSAGE_BATCH} per batch`);
    const parsed = inputs.map((input, i) => parseInput(messageInput, input, `message ${i}`));
    const agent = await requireAgent(this.#ctx, agentId);
    const appended = await this.#ctx.writeLock.run(`messages:${agent.id}`, async () => {
      const now = nowIso(this.#ctx);
      const messages: Message[] = parsed.map((input) => ({
        id: this.#ctx.generateId("message"),
        agentId: agent.id,
        userId: input.userId ?? null,
        role: input.role,
        name: input.name ?? null,
        sessionId: input.sessionId ?? null,
        content: input.content,
        provenance: input.provenance ?? { messageIds: [], externalIds: [] },
        metadata: input.metadata,
        createdAt: input.createdAt === undefined ? now : new Date(input.createdAt).toISOString(),
      }));
      // Each message is indexed with its neighbours' text, the nearest turns of its own conversation
      // (its user and session); the last few earlier turns of each gain the new ones as neighbours,
      // and are re-indexed with their own earlier neighbours still in view.
      const earlier = await earlierTurns(this.#ctx, agent.id, messages);
      const previous = earlier.flat();
      const index = messageIndexer([...previous, ...messages]);
      const appended = messages.map((_, i) => index(previous.length + i));
      const reindexed: IndexedMessage[] = [];
      let at = 0;
      for (const turns of earlier) {
        for (let i = Math.max(0, turns.length - CONTEXT_RADIUS); i < turns.length; i++)
          reindexed.push(index(at + i));
        at += turns.length;
      }
      // Embedded before the write, so that each message commits with its vector.
      const vectors = await this.#ctx.vectors.embedFor(
        "messages",
        agent.id,
        messages.map((m) => ({ id: m.id, text: searchableText(m) })),
      );
      // The graph learns what the messages name in their own transaction: never short of a write.
      const work = this.#ctx.store.unitOfWork();
      work.messages.append(
        appended,
        reindexed,
        messages.map((message) =>
          makeEvent(this.#ctx, {
            projectId: agent.projectId,
            agentId: agent.id,
            actor: message.role === "assistant" ? "agent" : "user",
            kind: "message.appended",
            targetType: "message",
            targetId: message.id,
            after: {
              role: message.role,
              name: message.name,
              userId: message.userId,
              chars: message.content.length,
            },
            createdAt: now,
          }),
        ),
      );
      if (keepsGraph(agent)) work.graph.record(agent.id, messages.map(messageRecord));
      storeWith(work, vectors);
      await work.commit();
      return messages;
    });
    await this.#ctx.onActivity?.(agent, "messages");
    return appended;
  }

  async get(agentId: string, messageId: string): Promise<Message> {
    const agent = await requireAgent(this.#ctx, agentId);
    const message = await this.#ctx.store.messages.get(agent.id, messageId);
    if (message === null) throw new NotFoundError(`message ${messageId} not found on agent ${agent.id}`);
    return message;
  }

  /** Oldest first (or newest first), filtered by user, role and time, with cursor pagination. */
  async list(agentId: string, options: MessageListInput = {}): Promise<Page<Message>> {
    const input = parseInput(messageListInput, dropUndefined(options), "message list");
    checkSpan("message list", ["after", input.after], ["before", input.before]);
    const agent = await requireAgent(this.#ctx, agentId);
    if (input.cursor !== undefined && (await this.#ctx.store.messages.get(agent.id, input.cursor)) === null) {
      throw notACursor("message list");
    }
    const limit = input.limit ?? 50;
    const rows = await this.#ctx.store.messages.list(
      {
        agentId: agent.id,
        userId: input.userId,
        sessionId: input.sessionId,
        roles: input.roles,
        after: input.after,
        before: input.before,
        filter: input.filter,
      },
      { after: input.cursor, limit: limit + 1, newestFirst: input.newestFirst ?? false },
    );
    return pageOf(rows, limit, (m) => m.id);
  }
}

/**
 * The latest turns (at most 2 × CONTEXT_RADIUS, oldest first) of each conversation `messages` add
 * to, so that the last CONTEXT_RADIUS of them have all their earlier neighbours in view when they
 * are re-indexed. Each conversation's are read through its own user's messages, or those of no user.
 */
async function earlierTurns(
  ctx: EngineContext,
  agentId: string,
  messages: readonly Message[],
): Promise<Message[][]> {
  const conversations = new Map<string, UserConversation>();
  for (const { userId, sessionId } of messages)
    conversations.set(conversationKey({ userId, sessionId }), { userId, sessionId });
  const recent = await ctx.store.messages.latestInConversations(
    agentId,
    [...conversations.values()],
    2 * CONTEXT_RADIUS,
  );
  const turns = new Map([...conversations.keys()].map((key) => [key, [] as Message[]]));
  for (const row of recent) turns.get(conversationKey(row))?.push(row);
  return [...turns.values()];
}

/** The text a message is found by: its content, with any image caption in its metadata. */
export function searchableText(message: Message): string {
  const caption = captionOf(message);
  return caption === "" ? message.content : `${message.content}\n${caption}`;
}
