import { EngramError } from "../../core/errors.ts";

/** One agent's turn in a chain of agent-to-agent messages. */
export interface MessageHop {
  agentId: string;
  agentName: string;
  turnId: string;
  /** How this turn was reached: by a message its sender waits on, one it does not, or neither (the first). */
  via: "wait" | "async" | null;
}

/**
 * Where a message from another agent came from, recorded in the receiving turn's user message
 * (`metadata.from`): the sending agent, its turn and tool call, and the chain of turns before it
 * (the first is the turn a user or a group started).
 */
export interface MessageOrigin {
  agentId: string;
  agentName: string;
  turnId: string;
  toolCallId: string;
  /** `wait`: the sender waits for the answer; `async`: it does not. */
  mode: "wait" | "async";
  /** Every turn of the chain, oldest first, ending with the sender's. */
  chain: MessageHop[];
}

/**
 * Checks that one more message may be sent along `chain` (which ends with the sender's turn): the
 * chain stays within `maxHops` messages, and a waiting message never targets an agent whose turn
 * already waits further up the chain (the sender's, and each before it that waits on the next),
 * because that turn holds the conversation the new turn needs. A turn that sent without waiting
 * holds nothing the chain waits for.
 * The error goes back to the model as the tool's result.
 * @throws EngramError `conflict` for a cycle, `invalid_input` past the hop limit.
 */
export function checkNextHop(
  chain: readonly MessageHop[],
  target: { id: string; name: string },
  options: { maxHops: number; wait: boolean },
): void {
  const hops = chain.length;
  if (hops > options.maxHops)
    throw new EngramError(
      "invalid_input",
      `the message chain would be ${hops} hops long, over the limit of ${options.maxHops} (maxHops): answer with what you have instead`,
      { details: { reason: "hop_limit", maxHops: options.maxHops } },
    );
  if (!options.wait) return;
  const waiting = waitingTurns(chain).find((hop) => hop.agentId === target.id);
  if (waiting !== undefined)
    throw new EngramError(
      "conflict",
      `cycle refused: ${target.name} already waits in this chain (${describe(chain)} → ${target.name}), so waiting on it would wait on itself: answer without it, or use send_message_to_agent`,
      { details: { reason: "message_cycle", chain: chain.map((hop) => hop.agentId) } },
    );
}

/**
 * Checks that a turn that has sent `sent` messages may send one more: at most `maxMessagesPerTurn`,
 * so that a chain, whose length `maxHops` bounds, is bounded in width too.
 * The error goes back to the model as the tool's result.
 * @throws EngramError `invalid_input` past the limit.
 */
export function checkFanOut(sent: number, maxMessagesPerTurn: number): void {
  if (sent < maxMessagesPerTurn) return;
  throw new EngramError(
    "invalid_input",
    `this turn has sent ${sent} messages, the limit of ${maxMessagesPerTurn} per turn (maxMessagesPerTurn): answer with what you have instead`,
    { details: { reason: "message_limit", maxMessagesPerTurn } },
  );
}

/** The sender's turn and the turns before it that wait, link by link, on the one after them. */
function waitingTurns(chain: readonly MessageHop[]): MessageHop[] {
  const out: MessageHop[] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as MessageHop;
    out.push(hop);
    if (hop.via !== "wait") break;
  }
  return out;
}

function describe(chain: readonly MessageHop[]): string {
  return chain.map((hop) => hop.agentName).join(" → ");
}
