import type { AgentRuntime } from "../agent/agent-runtime.ts";
import type { TurnResult } from "../agent/turn-events.ts";
import type { BlockAttachment } from "../core/shared-block-types.ts";
import type { Agent } from "../core/types.ts";
import type { Store } from "../store/store.ts";

/**
 * The shared blocks a sleeptime group's background agent refines: those it carries read-write that
 * the primary carries too (an edit through it reaches the primary's next turn).
 */
export async function refinableBlocks(
  store: Store,
  primary: Agent,
  background: Agent,
): Promise<BlockAttachment[]> {
  const primaryBlocks = new Set((await store.sharedBlocks.attachmentsOf(primary.id)).map((a) => a.blockId));
  return (await store.sharedBlocks.attachmentsOf(background.id)).filter(
    (a) => !a.readOnly && primaryBlocks.has(a.blockId),
  );
}

/** What a refinement is told: the primary's exchange. */
export interface Exchange {
  content: string;
  userId: string | undefined;
  turn: TurnResult;
}

/**
 * A sleeptime group's refinement after the primary's turn: the background agent gets a turn of its
 * own, told the exchange, and its memory tools edit the blocks it shares with the primary. Each edit
 * is one commit on every agent carrying the block, so the primary answers its next message with it.
 */
export async function refineSharedBlocks(
  services: { runtime: AgentRuntime; store: Store },
  primary: Agent,
  background: Agent,
  exchange: Exchange,
): Promise<TurnResult | null> {
  const labels = (await refinableBlocks(services.store, primary, background)).map((a) => a.label);
  // The blocks may have been detached since the group was made: nothing to refine then.
  if (labels.length === 0) return null;
  const content = [
    `${primary.name} just answered a message. Refine the memory blocks you share with it (${labels.join(", ")})`,
    "with anything worth keeping from this exchange: correct, condense, add. Change nothing if nothing is worth it.",
    "Answer with one line saying what you changed.",
    "",
    `Message: ${exchange.content}`,
    `${primary.name}'s answer: ${exchange.turn.answer}`,
  ].join("\n");
  return services.runtime.send(background.id, { content, name: primary.name, userId: exchange.userId });
}
