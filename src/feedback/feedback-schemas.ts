import { z } from "zod";

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

/** The start of the episode id of feedback on a turn whose id the caller chose (`feedbackEpisodeId`). */
export const FEEDBACK_EPISODE_PREFIX = "epi_feedback_";

export const turnIdInput = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");
