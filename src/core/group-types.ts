import type { ResponderName } from "../agent/responder-names.ts";

/** How a group's agents work together (see docs/agent-runtime.md, "Groups"). */
export const GROUP_PATTERNS = ["supervisor", "round-robin", "sleeptime"] as const;
export type GroupPattern = (typeof GROUP_PATTERNS)[number];

/** One agent of a group, in its order. */
export interface GroupMember {
  agentId: string;
  /** The responder its turns in the group run with; null: the agent's own setting. */
  responder: ResponderName | null;
}

/**
 * Agents of one project working together under a manager pattern: `supervisor` (the manager routes
 * each message to the members, its workers, and answers), `round-robin` (the members speak in turn,
 * up to `maxTurns` turns), `sleeptime` (the one member answers; the manager, a background agent,
 * then refines the member's blocks).
 */
export interface Group {
  id: string;
  projectId: string;
  name: string;
  pattern: GroupPattern;
  /** The supervisor (`supervisor`) or the background agent (`sleeptime`); null for `round-robin`. */
  managerId: string | null;
  members: GroupMember[];
  /** Turns a `round-robin` message runs (null for the other patterns). */
  maxTurns: number | null;
  createdAt: string;
}

/**
 * Where a turn stands in a message to a group, recorded in the turn's user message as
 * `metadata.group`: the group, the message's run (kept when the message is retried) and the step
 * (a round-robin speaker's turn, from 0; a supervisor's or a primary's turn is step 0).
 */
export interface GroupStep {
  groupId: string;
  runId: string;
  step: number;
}
