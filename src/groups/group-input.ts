import { z } from "zod";
import { RESPONDERS } from "../agent/responder-names.ts";
import { turnInput } from "../agent/turn-input.ts";
import { GROUP_PATTERNS } from "../core/group-types.ts";
import { ID_PREFIX } from "../core/ids.ts";

const agentRef = z.string().min(1, "must not be empty").max(200);
const responder = z.enum(RESPONDERS, { error: `must be one of ${RESPONDERS.join(", ")}` });

/** What `groups.create` takes. */
export const groupInput = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(200),
  /** The project whose agents it groups (default: the caller's, or `default`). */
  project: z.string().min(1).max(200).optional(),
  pattern: z.enum(GROUP_PATTERNS, { error: `must be one of ${GROUP_PATTERNS.join(", ")}` }),
  /** `supervisor`: the agent that routes; `sleeptime`: the background agent. By id or name. */
  manager: agentRef.optional(),
  /** The workers (`supervisor`), the speakers in order (`round-robin`), the primary (`sleeptime`). */
  members: z
    .array(z.union([agentRef, z.strictObject({ agent: agentRef, responder: responder.optional() })]))
    .min(1, "must name at least one agent")
    .max(50, "must be at most 50 agents"),
  /** `round-robin`: turns each message runs (default: one per member). */
  maxTurns: z.number().int().min(1).max(100).optional(),
});
export type GroupInput = z.input<typeof groupInput>;

/**
 * A message to a group: as a message to an agent, without per-turn settings; `retryOf` sends it again
 * as a retry of the earlier message's run, reusing the turns that succeeded.
 */
export const groupMessageInput = turnInput
  .pick({ content: true, userId: true, sessionId: true, name: true })
  .extend({
    retryOf: z
      .string()
      .min(1, "must not be empty")
      .max(200)
      .refine(
        (id) => id.startsWith(`${ID_PREFIX.groupRun}_`),
        "must be a group message's run id (grn_…), as its result or its error names it",
      )
      .optional(),
  });
export type GroupMessageInput = z.input<typeof groupMessageInput>;
