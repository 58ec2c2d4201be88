import { isConversation } from "../core/conversation.ts";
import type { Message } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import { ConversationCache } from "./conversation-cache.ts";
import { isToolResult, summaryInfo } from "./turn-messages.ts";

/** How far past a full window the scan looks for the latest summary when it only needs to show it. */
const SUMMARY_SEARCH_LIMIT = 20_000;

export interface ScanOptions {
  agentId: string;
  /** The conversation: this user's messages, or (undefined) the agent's whole log. */
  userId: string | undefined;
  /** Tokens the window may hold. */
  budget: number;
  maxMessages: number;
  tokens(message: Message): number;
  /** Walk on past the window to collect every message no summary covers yet (to summarise them). */
  collectOverflow: boolean;
  /** Recent messages kept between turns; without one, everything is read from the store. */
  cache?: ConversationCache | undefined;
}

export interface Scan {
  /** The newest messages that fit, oldest first. */
  window: Message[];
  windowTokens: number;
  /** The latest summary of this conversation, if one was found. */
  summary: Message | null;
  /** Messages older than the window that no summary covers, oldest first (when collected). */
  overflow: Message[];
  /** How many such messages there are (a lower bound when `complete` is false). */
  overflowCount: number;
  /** False when the scan stopped before it knew how many messages overflow. */
  complete: boolean;
}

/**
 * Walks a conversation newest first: messages fill the window until the budget (or the message cap)
 * is reached; the first summary of this conversation met is the latest one, and the walk ends at the
 * newest message it covers. Messages left between the window and the summary overflow: the turn
 * summarises them before the model sees the context, so none is dropped without a summary.
 * Summaries and failed-turn records are not conversation and never enter the window.
 */
export async function scanConversation(store: Store, options: ScanOptions): Promise<Scan> {
  const window: Message[] = [];
  const overflow: Message[] = [];
  let windowTokens = 0;
  let full = false;
  let summary: Message | null = null;
  let through: string | null = null;
  let overflowCount = 0;
  const scope = options.userId ?? null;
  const cache = options.cache ?? new ConversationCache({ conversations: 1, messagesEach: 0 });
  for await (const message of cache.newestFirst(store, options.agentId, options.userId)) {
    if (message.id === through) return finish(true);
    const info = summaryInfo(message);
    if (info !== null) {
      if (summary === null && info.scope === scope) {
        summary = message;
        through = info.throughMessageId;
        if (full && !options.collectOverflow) return finish(false, true);
      }
      continue;
    }
    if (!isConversation(message)) continue;
    if (!full) {
      const tokens = options.tokens(message);
      if (windowTokens + tokens <= options.budget && window.length < options.maxMessages) {
        window.push(message);
        windowTokens += tokens;
        continue;
      }
      full = true;
    }
    overflowCount++;
    if (options.collectOverflow) overflow.push(message);
    else if (overflowCount >= SUMMARY_SEARCH_LIMIT) return finish(false);
  }
  return finish(true);

  function finish(reachedEnd: boolean, countUnknown = false): Scan {
    window.reverse();
    overflow.reverse();
    // A window must not open on tool results whose call was cut off: they join the overflow.
    while (window.length > 0 && isToolResult(window[0] as Message)) {
      const orphan = window.shift() as Message;
      windowTokens -= options.tokens(orphan);
      overflowCount++;
      if (options.collectOverflow) overflow.push(orphan);
    }
    return {
      window,
      windowTokens,
      summary,
      overflow,
      overflowCount,
      complete: reachedEnd && !countUnknown,
    };
  }
}
