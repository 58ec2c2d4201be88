import type { TurnEvent, TurnResult } from "../agent/turn-events.ts";

/** What a group's message comes to. */
export interface GroupTurnResult {
  groupId: string;
  /** The group's answer: its supervisor's, its last speaker's (round-robin), its primary's (sleeptime). */
  answer: string;
  /**
   * The turns the group ran for the message, in order. A supervisor's workers answer inside its
   * turn, through its tools: their turns are in their own conversations, named in its tool results.
   */
  turns: TurnResult[];
}

/**
 * What a streamed group message reports: each turn's events as the agent's own stream has them
 * (each turn opens with `start`, naming its agent, and ends with `done`), then `group-done`; or an
 * `error` that ends the stream.
 */
export type GroupEvent =
  | TurnEvent
  | { type: "group-done"; groupId: string; answer: string; turnIds: string[] };
