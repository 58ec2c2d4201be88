import type { Message } from "../core/types.ts";
import type { Store } from "../store/store.ts";

const PAGE = 100;

interface Tail {
  /** The newest messages of the conversation, oldest first. */
  messages: Message[];
  /** Whether `messages[0]` is the conversation's first message. */
  fromStart: boolean;
}

/**
 * The newest messages of recent conversations, kept in memory so a turn reads from the database
 * only what was appended since the last one. Messages never change once written, so the cache is
 * brought up to date by reading those newer than its newest (written by any process), and dropped
 * if its newest message is gone (the agent was deleted and imported again).
 */
export class ConversationCache {
  readonly #tails = new Map<string, Tail>();
  readonly #conversations: number;
  readonly #perConversation: number;

  constructor(options: { conversations?: number; messagesEach?: number } = {}) {
    this.#conversations = options.conversations ?? 64;
    this.#perConversation = options.messagesEach ?? 600;
  }

  /** The conversation's messages, newest first: from the cache, then on from the database. */
  async *newestFirst(store: Store, agentId: string, userId: string | undefined): AsyncGenerator<Message> {
    const key = `${agentId}\u0000${userId ?? ""}`;
    const filter = { agentId, userId };
    let tail = this.#tails.get(key);
    this.#tails.delete(key);
    const newest = tail?.messages.at(-1);
    if (newest === undefined || (await store.messages.get(agentId, newest.id)) === null) tail = undefined;
    if (tail === undefined) {
      tail = { messages: [], fromStart: false };
    } else {
      // Catch up with what was appended since (by any process).
      for (;;) {
        const after = tail.messages.at(-1)?.id;
        const page = await store.messages.list(filter, { after, limit: PAGE });
        // Another walk caught up meanwhile: read on from where it got to.
        if (tail.messages.at(-1)?.id !== after) continue;
        tail.messages.push(...page);
        if (page.length < PAGE) break;
      }
      if (tail.messages.length > this.#perConversation) {
        tail.messages.splice(0, tail.messages.length - this.#perConversation);
        tail.fromStart = false;
      }
    }
    this.#tails.set(key, tail);
    if (this.#tails.size > this.#conversations) {
      const oldest = this.#tails.keys().next().value;
      if (oldest !== undefined) this.#tails.delete(oldest);
    }
    // A snapshot: a concurrent catch-up may grow the tail while this walk is paused.
    const cached = [...tail.messages];
    for (let i = cached.length - 1; i >= 0; i--) yield cached[i] as Message;
    if (tail.fromStart && cached.length > 0) return;
    let cursor = cached[0]?.id;
    for (;;) {
      const page = await store.messages.list(filter, { after: cursor, limit: PAGE, newestFirst: true });
      // Older messages extend the cache while it has room.
      if (tail.messages[0]?.id === cursor && tail.messages.length + page.length <= this.#perConversation) {
        tail.messages.unshift(...[...page].reverse());
        if (page.length < PAGE) tail.fromStart = true;
      }
      for (const message of page) yield message;
      if (page.length < PAGE) return;
      cursor = page.at(-1)?.id;
    }
  }
}
