import { wellFormedPrefix } from "../core/input-limits.ts";
import type { Message } from "../core/types.ts";
import { observationText } from "../experience/schemas.ts";

/** The task of every episode made from feedback: the experience of answering, apart from other tasks. */
export const FEEDBACK_TASK = "answer the user's message";
/** What an answer without tool calls is called as an action. */
export const ANSWER_ACTION = "answer";
const MAX_ACTION = 500;
const MAX_OBSERVATION = observationText.maxLength ?? 20_000;

/** A conversational turn as one step of the experience memory's schema. */
export interface TurnStep {
  observation: string;
  action: string;
  availableActions: string[];
  userId: string | null;
  sessionId: string | null;
  userMessageId: string;
}

/** The action label of a tool: `tool:NAME`. */
export const toolAction = (name: string) => `tool:${name}`;

/**
 * A turn's messages (oldest first) as an episode step: the observation is the user's message, the
 * action `answer` or the tools the agent called, in order, as `tool:a + tool:b`, and the available
 * actions `answer` and the agent's tools (and the action itself, when it names tools no longer there).
 * Null when the turn holds no user message (a continuation after client tool calls).
 */
export function turnStep(messages: readonly Message[], tools: readonly string[]): TurnStep | null {
  const user = messages.find((m) => m.role === "user");
  if (user === undefined) return null;
  const called: string[] = [];
  for (const message of messages) {
    const calls = message.metadata.toolCalls;
    if (message.role === "tool" || message.role === "user" || !Array.isArray(calls)) continue;
    for (const call of calls) {
      const name =
        typeof call === "object" && call !== null ? (call as { toolName?: unknown }).toolName : null;
      if (typeof name === "string" && !called.includes(name)) called.push(name);
    }
  }
  const action =
    called.length === 0 ? ANSWER_ACTION : wellFormedPrefix(called.map(toolAction).join(" + "), MAX_ACTION);
  const availableActions = [ANSWER_ACTION, ...tools.map(toolAction)];
  if (!availableActions.includes(action)) availableActions.push(action);
  return {
    observation: wellFormedPrefix(user.content, MAX_OBSERVATION),
    action,
    availableActions,
    userId: user.userId,
    sessionId: user.sessionId,
    userMessageId: user.id,
  };
}

/** Whether every tool an action label names is among `tools` (`answer` always is). */
export function actionAvailable(action: string, tools: ReadonlySet<string>): boolean {
  if (action === ANSWER_ACTION) return true;
  return action.split(" + ").every((part) => part.startsWith("tool:") && tools.has(part.slice(5)));
}
