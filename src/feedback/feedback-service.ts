import { ConflictError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { Episode } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import type { ExperienceService } from "../experience/experience-service.ts";
import { type EngineContext, requireAgent } from "../memory/context.ts";
import type { MessageService } from "../memory/messages/message-service.ts";
import {
  earlierFeedbackEpisodeId,
  type FeedbackInput,
  feedbackEpisodeId,
  feedbackInput,
  turnIdInput,
} from "./feedback-schemas.ts";
import { FEEDBACK_TASK, turnStep } from "./turn-step.ts";

/** Feedback as recorded: the turn, what the agent did, the reward, and the episode it became. */
export interface Feedback {
  agentId: string;
  turnId: string;
  reward: number;
  comment: string | null;
  /** What the agent did, as an action: `answer`, or the tools it called (`tool:memory_append`). */
  action: string;
  episode: Episode;
}

export interface FeedbackServices {
  messages: MessageService;
  experience(): ExperienceService;
  /** The names of the tools the agent's model is offered. */
  toolNames(agentId: string): Promise<string[]>;
}

/**
 * Feedback on conversational turns: each turn given a reward becomes a one-step episode of the
 * task "answer the user's message" (observation: the user's message; action: `answer` or the tools
 * the agent called), so the experience memory learns from real use as from environments, ExpeL
 * compares good and bad turns, and advice for similar messages enters later contexts.
 *
 * @example
 * const result = await engram.runtime.send(agent.id, { content: "Book me a table" });
 * await engram.feedback.give(agent.id, result.turnId, { reward: -1, comment: "ask which restaurant first" });
 */
export class FeedbackService {
  readonly #ctx: EngineContext;
  readonly #s: FeedbackServices;

  constructor(ctx: EngineContext, services: FeedbackServices) {
    this.#ctx = ctx;
    this.#s = services;
  }

  /**
   * Records feedback on a turn of the agent. Feedback is given once per turn.
   * @throws NotFoundError when the agent has no such turn; ConflictError when the turn already has
   *   feedback; InvalidInputError for a bad reward or comment, or a turn with no user message.
   */
  async give(agentId: string, turnId: string, input: FeedbackInput): Promise<Feedback> {
    const id = parseInput(turnIdInput, turnId, "feedback: turnId");
    const parsed = parseInput(feedbackInput, input, "feedback");
    const agent = await requireAgent(this.#ctx, agentId);
    const { items } = await this.#s.messages.list(agent.id, {
      filter: { "metadata.turnId": id },
      limit: 500,
    });
    if (items.length === 0) throw new NotFoundError(`turn ${id} not found on agent ${agent.id}`);
    const step = turnStep(items, await this.#s.toolNames(agent.id));
    if (step === null)
      throw new InvalidInputError(
        `invalid feedback: turn ${id} holds no user message (it continued after client tool calls): give feedback on the turn that asked`,
      );
    const episodeId = feedbackEpisodeId(agent.id, id);
    const taken = async () => {
      for (const candidate of [episodeId, earlierFeedbackEpisodeId(id)]) {
        const existing = await this.#ctx.store.episodes.get(agent.id, candidate, { lastSteps: 0 });
        if (existing !== null)
          return new ConflictError(
            `turn ${id} already has feedback (episode ${candidate}): it is given once per turn`,
            { details: { episodeId: candidate } },
          );
      }
      return null;
    };
    const before = await taken();
    if (before !== null) throw before;
    const metadata = {
      source: "feedback",
      turnId: id,
      userId: step.userId,
      sessionId: step.sessionId,
      messageId: step.userMessageId,
      ...(parsed.comment === undefined ? {} : { comment: parsed.comment }),
    };
    let episode: Episode;
    try {
      episode = await this.#s.experience().recordEpisode(
        agent.id,
        {
          task: FEEDBACK_TASK,
          steps: [
            {
              observation: step.observation,
              availableActions: step.availableActions,
              action: step.action,
              reward: parsed.reward,
            },
          ],
          success: parsed.reward > 0,
          metadata,
        },
        { episodeId },
      );
    } catch (error) {
      // Two servers giving feedback on one turn at once: the episode's key lets one through.
      throw (await taken()) ?? error;
    }
    return {
      agentId: agent.id,
      turnId: id,
      reward: parsed.reward,
      comment: parsed.comment ?? null,
      action: step.action,
      episode,
    };
  }
}
