/** A message an earlier turn sent to another agent, and what came of it. */
export interface SentMessage {
  /** The receiving agent. */
  agentId: string;
  content: string;
  /** `wait`: sent with `send_message_to_agent_and_wait`; `async`: with `send_message_to_agent`. */
  mode: "wait" | "async";
  /** The receiving agent's turn. */
  turnId: string;
  /** Its answer; null when that turn failed. */
  answer: string | null;
}

/**
 * The messages the earlier attempts of a retried group message sent, for the messaging tools of its
 * new turn to take instead of sending them again: a message to the same agent, with the same text,
 * by the same tool, gets the earlier result and runs no turn. A waited message whose turn failed is
 * sent again; each earlier message is taken once.
 */
export class EarlierMessages {
  readonly #left: SentMessage[];
  readonly #taken: SentMessage[] = [];

  constructor(sent: readonly SentMessage[]) {
    this.#left = sent.filter((m) => m.mode === "async" || m.answer !== null);
  }

  /** The earlier message like this one, now taken; undefined when there is none left. */
  take(agentId: string, content: string, mode: SentMessage["mode"]): SentMessage | undefined {
    const i = this.#left.findIndex((m) => m.agentId === agentId && m.content === content && m.mode === mode);
    if (i < 0) return undefined;
    const [found] = this.#left.splice(i, 1) as [SentMessage];
    this.#taken.push(found);
    return found;
  }

  /** The messages taken so far, in the order they were. */
  get taken(): readonly SentMessage[] {
    return this.#taken;
  }
}
