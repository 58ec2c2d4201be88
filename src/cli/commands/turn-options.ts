import { RESPONDERS, type ResponderName } from "../../agent/responder-names.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { PROJECT_OPTION } from "../resolve-agent.ts";

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

/** A responder flag, checked. */
export function responderOption(value: string | undefined): ResponderName | undefined {
  if (value === undefined) return undefined;
  if (!(RESPONDERS as readonly string[]).includes(value))
    throw new InvalidInputError(`invalid message: responder: must be one of ${RESPONDERS.join(", ")}`);
  return value as ResponderName;
}
