import type { Message } from "./types.ts";

/**
 * Whether a message belongs to the conversation. A failed turn's record (role `system`,
 * `metadata.error`: "The turn failed: …") is the runtime's bookkeeping, not something anyone said:
 * it stays in the log, but no model reads it back, the graph takes no entity from it, and sleep-time
 * learning draws nothing from it. (A summary of older messages counts: it restates the conversation,
 * has its own section of the prompt, and search finds it.)
 *
 * @example
 * const said = messages.filter(isConversation);
 */
export function isConversation(message: Message): boolean {
  const error = message.metadata.error;
  return !(message.role === "system" && typeof error === "object" && error !== null);
}
