import { InvalidInputError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import type { Feedback } from "../../feedback/feedback-service.ts";
import { type Command, defineCommand, numberOption } from "../command.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const feedback = defineCommand({
  name: "feedback",
  summary: "Rate a turn of an agent (TURN_ID, or 'last'): it becomes experience the agent learns from",
  args: ["agent", "turn"],
  options: {
    ...PROJECT_OPTION,
    reward: { type: "string", arg: "R", help: "from -1 (bad) to 1 (good); a negative one as --reward=-1" },
    comment: {
      type: "string",
      arg: "TEXT",
      help: "why: kept with the episode, read by sleep-time reflection",
    },
    user: { type: "string", arg: "USER", help: "with 'last': the latest turn of this end user" },
  },
  details: [
    "The turn becomes an episode step: the user's message is the observation, what the agent did the",
    "action (answer, or the tools it called, e.g. tool:memory_append), the reward yours. Later messages",
    "like it carry the advice learned. The turn id is in `engram send --json` (turnId) and in each",
    "message's metadata.turnId; 'last' means the agent's latest turn. Feedback is given once per turn.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const reward = numberOption(options.reward, "reward", "feedback");
    if (reward === undefined) throw new UsageError("missing --reward R (from -1 to 1)", "feedback");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const turnId = args.turn === "last" ? await lastTurn(engram, agent.id, options.user) : args.turn;
    const result = await engram.feedback.give(agent.id, turnId, { reward, comment: options.comment });
    return { data: result, text: formatFeedback(result) };
  },
});

/** The id of the agent's latest turn (of one end user when given). */
export async function lastTurn(engram: Engram, agentId: string, userId: string | undefined): Promise<string> {
  const { items } = await engram.messages.list(agentId, {
    userId,
    roles: ["user"],
    newestFirst: true,
    limit: 20,
  });
  const turnId = items.map((m) => m.metadata.turnId).find((id) => typeof id === "string");
  if (typeof turnId !== "string")
    throw new InvalidInputError(
      `invalid feedback: turn: the agent has no turn yet${userId === undefined ? "" : ` with user ${userId}`}`,
    );
  return turnId;
}

export function formatFeedback(f: Feedback): string {
  return `feedback on turn ${f.turnId}: ${f.action} rewarded ${f.reward} (episode ${f.episode.id})`;
}

/** `engram feedback` */
export const feedbackCommands: readonly Command[] = [feedback];
