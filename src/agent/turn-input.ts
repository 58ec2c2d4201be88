import { z } from "zod";
import { messageContentParts } from "../images/content-parts.ts";
import { MAX_MESSAGE_CHARS } from "../memory/messages/message-service.ts";
import { RESPONDERS, runtimeSettings } from "./runtime-config.ts";

/** A message for the agent to answer, and per-turn settings. */
export const turnInput = z.strictObject({
  /** Text, or parts: text and images (the AI SDK's `{type: "image", image}` or OpenAI's `image_url`). */
  content: z.union(
    [
      z
        .string()
        .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`)
        .refine((text) => text.trim() !== "", "must not be empty"),
      messageContentParts,
    ],
    {
      error: (issue) =>
        issue.input === undefined ? "required" : "must be text, or a list of text and image parts",
    },
  ),
  /** The end user speaking: the conversation, memories and summaries are this user's. */
  userId: z.string().min(1, "must not be empty").max(256).optional(),
  sessionId: z.string().min(1, "must not be empty").max(200).optional(),
  /** The speaker's name, shown to the model before the message. */
  name: z.string().min(1, "must not be empty").max(200).optional(),
  responder: z.enum(RESPONDERS, { error: `must be one of ${RESPONDERS.join(", ")}` }).optional(),
  maxSteps: runtimeSettings.shape.maxSteps.optional(),
  toolRounds: runtimeSettings.shape.toolRounds.optional(),
  contextWindow: runtimeSettings.shape.contextWindow.optional(),
  endUsers: runtimeSettings.shape.endUsers.optional(),
});
export type TurnInput = z.input<typeof turnInput>;

/** What `GET /context` and `engram context` take. */
export const contextInput = z.strictObject({
  /** The message to compile for (retrieval searches for it); default: the latest user message. */
  query: z.string().max(MAX_MESSAGE_CHARS).optional(),
  userId: z.string().min(1, "must not be empty").max(256).optional(),
  responder: z.enum(RESPONDERS, { error: `must be one of ${RESPONDERS.join(", ")}` }).optional(),
  contextWindow: runtimeSettings.shape.contextWindow.optional(),
  endUsers: runtimeSettings.shape.endUsers.optional(),
});
export type ContextInput = z.input<typeof contextInput>;
