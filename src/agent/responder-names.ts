/** The responders a turn can run with (see docs/agent-runtime.md). Apart, so the CLI's help needs no schema. */
export const RESPONDERS = ["simple", "reactive"] as const;
export type ResponderName = (typeof RESPONDERS)[number];
