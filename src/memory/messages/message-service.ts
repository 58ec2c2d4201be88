import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { MESSAGE_ROLES, type Message, type Page } from "../../core/types.ts";
import { parseInput } from "../../core/validation.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../context.ts";
import { isoTime, provenanceInput } from "../memories/schemas.ts";
import { dropUndefined, pageOf } from "../pagination.ts";

/** Longest message accepted, in characters. */
export const MAX_MESSAGE_CHARS = 100_000;
export const MAX_MESSAGE_BATCH = 1000;
/** How many neighbouring turns on each side are indexed as a message's context. */
export const CONTEXT_RADIUS = 1;

export const messageInput = z.strictObject({
  role: z.enum(MESSAGE_ROLES),
  content: z
    .string()
    .min(1, "must not be empty")
    .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`),
  name: z.string().min(1).max(200).optional(),
  userId: z.string().min(1).max(256).optional(),
  createdAt: isoTime.optional(),
  provenance: provenanceInput.optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type MessageInput = z.input<typeof messageInput>;

export const messageListInput = z.strictObject({
  userId: z.string().min(1).max(256).optional(),
  roles: z.array(z.enum(MESSAGE_ROLES)).optional(),
  after: isoTime.optional(),
  before: isoTime.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(500).optional(),
  /** Newest first instead of oldest first. */
  newestFirst: z.boolean().optional(),
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
    return this.#ctx.writeLock.run(`messages:${agent.id}`, async () => {
      const now = nowIso(this.#ctx);
      const messages: Message[] = parsed.map((input) => ({
        id: this.#ctx.generateId("message"),
        agentId: agent.id,
        userId: input.userId ?? null,
        role: input.role,
        name: input.name ?? null,
        content: input.content,
        provenance: input.provenance ?? { messageIds: [], externalIds: [] },
        metadata: input.metadata,
        createdAt: input.createdAt === undefined ? now : new Date(input.createdAt).toISOString(),
      }));
      // Each message is indexed with its neighbours' text; earlier messages gain the new ones as neighbours.
      const previous = (
        await this.#ctx.store.messages.list(
          { agentId: agent.id },
          { limit: 2 * CONTEXT_RADIUS, newestFirst: true },
        )
      ).reverse();
      const sequence = [...previous, ...messages];
      const indexed = (index: number) => {
        const message = sequence[index] as Message;
        const context = sequence
          .slice(Math.max(0, index - CONTEXT_RADIUS), index + CONTEXT_RADIUS + 1)
          .filter((m) => m !== message)
          .map(searchableText)
          .join("\n");
        return { message, searchText: searchableText(message), context };
      };
      const appended = messages.map((_, i) => indexed(previous.length + i));
      const reindexed = previous.map((_, i) => indexed(i)).slice(-CONTEXT_RADIUS);
      await this.#ctx.store.messages.append(
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
      await this.#ctx.vectors.index(
        "messages",
        agent.id,
        messages.map((m) => ({ id: m.id, text: searchableText(m) })),
      );
      return messages;
    });
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
    const agent = await requireAgent(this.#ctx, agentId);
    if (input.cursor !== undefined && (await this.#ctx.store.messages.get(agent.id, input.cursor)) === null) {
      throw new InvalidInputError("invalid message list: cursor: not a cursor from this list");
    }
    const limit = input.limit ?? 50;
    const rows = await this.#ctx.store.messages.list(
      {
        agentId: agent.id,
        userId: input.userId,
        roles: input.roles,
        after: input.after,
        before: input.before,
      },
      { after: input.cursor, limit: limit + 1, newestFirst: input.newestFirst ?? false },
    );
    return pageOf(rows, limit, (m) => m.id);
  }
}

/** The text a message is found by: its content, with any image caption in its metadata. */
export function searchableText(message: Message): string {
  const caption = message.metadata.caption;
  return typeof caption === "string" && caption !== "" ? `${message.content}\n${caption}` : message.content;
}
