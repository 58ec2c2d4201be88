import { z } from "zod";
import { sha256 } from "../core/hash.ts";
import { isId } from "../core/ids.ts";

/** Longest comment kept with a feedback episode. */
export const MAX_FEEDBACK_COMMENT = 2000;

/** What feedback on a turn says: a reward from −1 (bad) to 1 (good), and why. */
export const feedbackInput = z.strictObject({
  reward: z
    .number({ error: "must be a number from -1 to 1" })
    .min(-1, "must be at least -1")
    .max(1, "must be at most 1"),
  comment: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(MAX_FEEDBACK_COMMENT, `must be at most ${MAX_FEEDBACK_COMMENT} characters`)
    .optional(),
});
export type FeedbackInput = z.input<typeof feedbackInput>;

export const turnIdInput = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");

/** The start of the episode id of feedback on a turn (`feedbackEpisodeId`). */
const FEEDBACK_EPISODE_PREFIX = "epi_feedback_";

/** Hex digits of the agent's hash in a feedback episode's id. */
const AGENT_TAG = 12;

/**
 * The episode a turn's feedback becomes has an id derived from the agent's and the turn's, so it is
 * made only once: a turn id is unique only in its agent (a caller may name turns "chat-42", and an
 * agent copied with new ids keeps its turns' ids), so two agents' turns of one id are two.
 */
export function feedbackEpisodeId(agentId: string, turnId: string): string {
  return `${FEEDBACK_EPISODE_PREFIX}${sha256(agentId).slice(0, AGENT_TAG)}_${turnId}`;
}

/** The id a turn's feedback had before it named the agent: still found, never made again. */
export function earlierFeedbackEpisodeId(turnId: string): string {
  return isId("turn", turnId) ? `epi_${turnId.slice(4)}` : `${FEEDBACK_EPISODE_PREFIX}${turnId}`;
}

/** Whether `id` is an episode's: generated, or made by feedback on a turn. */
export function isEpisodeId(id: string): boolean {
  return isId("episode", id) || isFeedbackEpisodeId(id);
}

/** Whether an episode id is one feedback made for a turn the caller named (either form). */
export function isFeedbackEpisodeId(id: string): boolean {
  if (!id.startsWith(FEEDBACK_EPISODE_PREFIX)) return false;
  const rest = id.slice(FEEDBACK_EPISODE_PREFIX.length);
  const tagged = new RegExp(`^[0-9a-f]{${AGENT_TAG}}_`).test(rest);
  return turnIdInput.safeParse(tagged ? rest.slice(AGENT_TAG + 1) : rest).success;
}
