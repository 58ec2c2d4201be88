import { RESPONDERS, type ResponderName } from "../../agent/responder-names.ts";
import { PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

/** Flags of a turn, shared by `send` and `chat`. */
export const TURN_OPTIONS = {
  ...PROJECT_OPTION,
  user: { type: "string", arg: "USER", help: "the end user speaking (their conversation and memories)" },
  session: { type: "string", arg: "ID", help: "the conversation session (thread) the messages belong to" },
  name: { type: "string", arg: "NAME", help: "the speaker's name" },
  responder: {
    type: "string",
    arg: "R",
    help: `${RESPONDERS.join(" or ")} (default: the agent's, else simple)`,
  },
  "max-steps": { type: "string", arg: "N", help: "model calls the reactive responder may make (default 8)" },
} as const;

/** A responder flag, checked. @throws UsageError naming the flag. */
export function responderOption(value: string | undefined, command: string): ResponderName | undefined {
  if (value === undefined) return undefined;
  if (!(RESPONDERS as readonly string[]).includes(value))
    throw new UsageError(`--responder must be one of ${RESPONDERS.join(", ")}, got "${value}"`, command);
  return value as ResponderName;
}
