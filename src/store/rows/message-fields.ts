import type { Message } from "../../core/types.ts";
import { type IndexedMessage, MESSAGE_FIELDS, type MessageField } from "../store.ts";

/**
 * The texts a message is indexed under, on every backend: its own, and its neighbours' within its
 * conversation.
 */

/** Turns on each side of a message whose text is indexed with it (the nearest in their own columns). */
export const CONTEXT_RADIUS = 3;

/** The conversation a message belongs to, within its agent: its end user and its session. */
export function conversationKey(message: Pick<Message, "userId" | "sessionId">): string {
  return JSON.stringify([message.userId, message.sessionId]);
}

/** Who said a message: its speaker's name, else its role. */
export function speakerOf(message: Pick<Message, "name" | "role">): string {
  return message.name ?? message.role;
}

/**
 * A message's neighbours in its conversation: the turn before and the turn after when another
 * speaker said them (what it answers, what answers it), and two more each side, whoever said them.
 */
export interface MessageNeighbours {
  prev: Message | undefined;
  next: Message | undefined;
  window: Message[];
}

/**
 * The neighbours of the messages of `sequence` (in order): for each, the nearest turns of the same
 * conversation (`conversationKey`: user and session), however other conversations' turns fall
 * between them. One end user's message is never indexed with another's words. A turn next to one
 * by the same speaker has no `prev` (or `next`) there: one speaker's run of turns is no exchange,
 * and in a log of a user's own messages alone the turn after "Could you check the address on the
 * invoice?" would otherwise be found by "address" nearly as well as the user's statement of it.
 */
function conversationNeighbours(sequence: readonly Message[]): (index: number) => MessageNeighbours {
  const groups = new Map<string, number[]>();
  const place: { group: number[]; at: number }[] = [];
  for (let i = 0; i < sequence.length; i++) {
    const key = conversationKey(sequence[i] as Message);
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    place.push({ group, at: group.length });
    group.push(i);
  }
  return (index) => {
    const { group, at } = place[index] as { group: number[]; at: number };
    const near = (offset: number) => {
      const j = group[at + offset];
      return j === undefined ? undefined : sequence[j];
    };
    const window: Message[] = [];
    for (let d = 2; d <= CONTEXT_RADIUS; d++) {
      for (const other of [near(-d), near(d)]) if (other !== undefined) window.push(other);
    }
    const self = sequence[index] as Message;
    const other = (turn: Message | undefined) =>
      turn === undefined || speakerOf(turn) === speakerOf(self) ? undefined : turn;
    return { prev: other(near(-1)), next: other(near(1)), window };
  };
}

/**
 * The texts each message of `sequence` is indexed under, column by column (`MESSAGE_FIELDS`): its
 * content; its caption (metadata.caption, e.g. of a shared image); the previous and next turns of its
 * conversation, when another speaker said them; the two turns beyond those on each side; and its
 * date. A reply is thereby found by what it answers, and "when" questions by the date. What a write indexes (`messageIndexer`) and
 * what a ranking from the messages themselves reads (SQLite's one-user ranking) both come from here.
 */
export function conversationTexts(
  sequence: readonly Message[],
): (index: number) => Record<MessageField, readonly string[]> {
  const neighbours = conversationNeighbours(sequence);
  const content = (message: Message | undefined) => (message === undefined ? [] : [message.content]);
  return (index) => {
    const message = sequence[index] as Message;
    const { prev, next, window } = neighbours(index);
    return {
      text: [message.content],
      caption: [captionOf(message)],
      prev: content(prev),
      next: content(next),
      window: window.map((other) => other.content),
      date: [dateText(message.createdAt)],
    };
  };
}

/** Indexes the messages of `sequence`: each column's texts (`conversationTexts`), one per line. */
export function messageIndexer(sequence: readonly Message[]): (index: number) => IndexedMessage {
  const texts = conversationTexts(sequence);
  return (index) => {
    const columns = texts(index);
    return {
      message: sequence[index] as Message,
      fields: Object.fromEntries(
        MESSAGE_FIELDS.map((field) => [field, columns[field].join("\n")]),
      ) as IndexedMessage["fields"],
    };
  };
}

/** A message's caption (`metadata.caption`), or "". */
export function captionOf(message: Message): string {
  const caption = message.metadata.caption;
  return typeof caption === "string" ? caption : "";
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** A date as words, so "in May 2023" or "on a Sunday" can match it: "Monday 8 May 2023". */
export function dateText(iso: string): string {
  const date = new Date(iso);
  return `${DAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
