import type { Tool } from "ai";
import { z } from "zod";
import { EngramError } from "../../core/errors.ts";
import type { Agent, Job } from "../../core/types.ts";
import { MAX_MESSAGE_CHARS } from "../../memory/messages/message-service.ts";
import { aiSdk } from "../../models/ai-sdk.ts";
import { toolError } from "../memory-tools.ts";
import type { TurnResult } from "../turn-events.ts";
import type { EarlierMessages } from "./earlier-messages.ts";
import { checkFanOut, checkNextHop, type MessageHop, type MessageOrigin } from "./message-chain.ts";

/** The agent-messaging tools, by name (offered when the agent's `messaging` setting is on). */
export const MESSAGING_TOOL_NAMES = ["send_message_to_agent", "send_message_to_agent_and_wait"] as const;

/** A message from one agent, as the receiving turn takes it. */
export interface AgentMessage {
  content: string;
  /** The sender's name, shown to the receiving model before the message. */
  name: string;
  userId: string | undefined;
  sessionId: string | undefined;
  origin: MessageOrigin;
}

/** What the messaging tools need from the runtime. */
export interface MessagingServices {
  /** The agent of `projectId` with this id or name, or null. */
  findAgent(projectId: string, idOrName: string): Promise<Agent | null>;
  /**
   * Queues the message's delivery durably and starts it in the background (see `sendLater`).
   * @throws what would stop the target's turn from starting (no model configured); nothing is queued then.
   */
  sendLater(target: Agent, message: AgentMessage): Promise<Job>;
  /** Runs the target's turn on the message; resolves when it is persisted. */
  answer(target: Agent, message: AgentMessage, abortSignal: AbortSignal | undefined): Promise<TurnResult>;
}

/** The sending turn: who sends, along which chain, within which limits. */
export interface MessagingScope {
  agent: Agent;
  userId: string | undefined;
  sessionId: string | undefined;
  /** The chain so far, ending with the sender's own turn. */
  chain: MessageHop[];
  maxHops: number;
  /** Messages this turn may send, both tools together. */
  maxMessagesPerTurn: number;
  waitMs: number;
  /** When set (a group's supervisor), the only agents that may be messaged: id → name. */
  targets: ReadonlyMap<string, string> | null;
  /** When set (a retried group message), messages earlier attempts sent, taken instead of sending them again. */
  earlier: EarlierMessages | null;
}

let inputSchema: ReturnType<typeof messageInput> | undefined;

function messageInput() {
  return aiSdk().zodSchema(
    z.object({
      agent: z.string().min(1).describe("the other agent's name (or id) in your project"),
      message: z.string().min(1).max(MAX_MESSAGE_CHARS).describe("what to tell or ask it, self-contained"),
    }),
  );
}

/**
 * `send_message_to_agent` (the other agent answers in its own turn, in the background, and its
 * reply stays in its conversation; the delivery is queued durably before the tool returns) and
 * `send_message_to_agent_and_wait` (its turn runs now and its answer is the tool's result). Each
 * message is recorded in the receiving conversation with its sender, the sender's turn and the chain
 * before it; a chain past `maxHops`, a message past the turn's `maxMessagesPerTurn`, or a wait that
 * would wait on itself, is refused as a tool error the model can react to, and nothing is sent for it. In a retried group message, a message an earlier
 * attempt sent already is not sent again: the tool answers with the earlier result, `reused: true`.
 */
export function messagingTools(services: MessagingServices, scope: MessagingScope): Record<string, Tool> {
  const { tool } = aiSdk();
  inputSchema ??= messageInput();
  // Counted as each message is let through, before anything awaits: a step's calls run at once.
  let sent = 0;
  const send = async (wait: boolean, input: { agent: string; message: string }, toolCallId: string) => {
    const target = await resolveTarget(services, scope, input.agent);
    checkNextHop(scope.chain, target, { maxHops: scope.maxHops, wait });
    const earlier = scope.earlier?.take(target.id, input.message, wait ? "wait" : "async");
    if (earlier !== undefined) return { target, earlier, message: null };
    checkFanOut(sent, scope.maxMessagesPerTurn);
    sent++;
    const sender = scope.chain.at(-1) as MessageHop;
    const message: AgentMessage = {
      content: input.message,
      name: scope.agent.name,
      userId: scope.userId,
      sessionId: scope.sessionId,
      origin: {
        agentId: sender.agentId,
        agentName: sender.agentName,
        turnId: sender.turnId,
        toolCallId,
        mode: wait ? "wait" : "async",
        chain: scope.chain,
      },
    };
    return { target, earlier: null, message };
  };
  const others =
    scope.targets === null ? "" : ` The agents you can message: ${[...scope.targets.values()].join(", ")}.`;
  return {
    send_message_to_agent: tool({
      description: `Send a message to another agent of your project. It answers in its own turn, later; its reply is not returned to you.${others}`,
      inputSchema,
      execute: async (input, { toolCallId }) => {
        try {
          const sending = await send(false, input, toolCallId);
          const { target } = sending;
          if (sending.earlier !== null) {
            const { turnId } = sending.earlier;
            return { delivered: true, agent: target.name, agentId: target.id, turnId, reused: true };
          }
          const job = await services.sendLater(target, sending.message).catch((error: unknown) => {
            sent--; // nothing was queued
            throw error;
          });
          return { delivered: true, agent: target.name, agentId: target.id, deliveryJobId: job.id };
        } catch (error) {
          throw toolError(error);
        }
      },
    }),
    send_message_to_agent_and_wait: tool({
      description: `Send a message to another agent of your project and wait for its answer, which is returned to you.${others}`,
      inputSchema,
      execute: async (input, { toolCallId, abortSignal }) => {
        try {
          const sending = await send(true, input, toolCallId);
          const { target } = sending;
          if (sending.earlier !== null) {
            const { turnId, answer } = sending.earlier;
            return { agent: target.name, agentId: target.id, turnId, answer, reused: true };
          }
          const budget = AbortSignal.timeout(scope.waitMs);
          const signal = abortSignal === undefined ? budget : AbortSignal.any([abortSignal, budget]);
          const result = await services.answer(target, sending.message, signal);
          return { agent: target.name, agentId: target.id, turnId: result.turnId, answer: result.answer };
        } catch (error) {
          throw toolError(error);
        }
      },
    }),
  };
}

async function resolveTarget(
  services: MessagingServices,
  scope: MessagingScope,
  ref: string,
): Promise<Agent> {
  const target = await services.findAgent(scope.agent.projectId, ref);
  if (target === null || (scope.targets !== null && !scope.targets.has(target.id)))
    throw new EngramError(
      "not_found",
      `no agent ${JSON.stringify(ref)} ${scope.targets === null ? "in your project" : "among the agents you can message"}`,
    );
  if (target.id === scope.agent.id)
    throw new EngramError("invalid_input", "you cannot send a message to yourself: name another agent");
  return target;
}
