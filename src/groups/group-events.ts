import type { TurnEvent, TurnResult } from "../agent/turn-events.ts";

/** A turn of an earlier attempt of a group's message that a retry took as it was, instead of running it again. */
export interface ReusedTurn {
  /**
   * The step of the message it answered (a round-robin speaker's turn, from 0; a supervisor's or a
   * primary's, 0), or null for a worker's turn that the supervisor's new turn took again.
   */
  step: number | null;
  agentId: string;
  turnId: string;
  /** Its answer; null for a message the supervisor sent without waiting (the reply stayed with the worker). */
  answer: string | null;
}

/** What a group's message comes to. */
export interface GroupTurnResult {
  groupId: string;
  /** The message's run: what `retryOf` takes to send it again. A retry keeps its run. */
  runId: string;
  /** The group's answer: its supervisor's, its last speaker's (round-robin), its primary's (sleeptime). */
  answer: string;
  /**
   * The turns this call ran for the message, in order. A supervisor's workers answer inside its
   * turn, through its tools: their turns are in their own conversations, named in its tool results.
   */
  turns: TurnResult[];
  /** The turns of earlier attempts a retry reused instead of running them again (empty for a first attempt). */
  reused: ReusedTurn[];
}

/**
 * What a streamed group message reports: each turn's events as the agent's own stream has them
 * (each turn opens with `start`, naming its agent, and ends with `done`), then `group-done`; or an
 * `error` that ends the stream (its `error.details.runId` names the message's run).
 */
export type GroupEvent =
  | TurnEvent
  | {
      type: "group-done";
      groupId: string;
      runId: string;
      answer: string;
      turnIds: string[];
      reused: ReusedTurn[];
    };
