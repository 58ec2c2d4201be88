import type { Message } from "../../core/types.ts";
import type { MessageInput } from "../../memory/messages/message-service.ts";
import type { IndexedMessage } from "../store.ts";
import { conversationKey, messageIndexer } from "./message-fields.ts";

/**
 * Test fixtures for the migrations that index turns next to their own speaker's again (SQLite 30,
 * PostgreSQL 16): a log to write, and its messages indexed as a write indexed them before.
 */

/**
 * Three conversations of one agent, interleaved: a user's own turns alone; a user and the assistant,
 * with runs of one speaker; and turns of no user by named speakers.
 */
export function speakerTurnsLog(): MessageInput[] {
  const out: MessageInput[] = [];
  const monologue = [
    "Has my parcel shipped?",
    "My delivery address is 12 Rose Street.",
    "Thanks, that works.",
  ];
  const dialogue: ["user" | "assistant", string][] = [
    ["user", "Could you check the address on the invoice?"],
    ["assistant", "It says 12 Rose Street."],
    ["assistant", "Anything else?"],
    ["user", "No, thank you."],
    ["user", "Actually, when does it arrive?"],
    ["assistant", "On Monday."],
  ];
  dialogue.forEach(([role, content], i) => {
    out.push({ role: "user", content: `${monologue[i % monologue.length]} (${i})`, userId: "ada" });
    out.push({ role, content, userId: "bo" });
    out.push({
      role: "user",
      content: `Turn ${i} of the group chat.`,
      name: i < 3 ? "Cy" : i % 2 === 0 ? "Dee" : "Eve",
    });
  });
  return out;
}

/**
 * Messages (in rowid order) indexed as a write indexed them before: with the turns on each side,
 * whoever said them.
 */
export function indexedAsBefore(
  rows: readonly { rowid: number; message: Message }[],
): { rowid: number; item: IndexedMessage }[] {
  const byConversation = new Map<string, { rowid: number; message: Message }[]>();
  for (const { rowid, message } of rows) {
    // Each turn by a speaker of its own: every neighbour is another speaker's.
    const list = byConversation.get(conversationKey(message)) ?? [];
    list.push({ rowid, message: { ...message, name: `speaker ${rowid}` } });
    byConversation.set(conversationKey(message), list);
  }
  return [...byConversation.values()].flatMap((list) => {
    const index = messageIndexer(list.map((t) => t.message));
    return list.map(({ rowid }, i) => ({ rowid, item: index(i) }));
  });
}
