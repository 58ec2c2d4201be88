import type { Responder } from "./responder.ts";

/**
 * Omne's simple responder: one model call with memory in context. It may spend up to `toolRounds`
 * rounds on tools (to remember or look something up), then must answer.
 */
export function simpleResponder(options: { toolRounds: number }): Responder {
  const rounds = options.toolRounds;
  return {
    name: "simple",
    maxSteps: rounds + 1,
    guidance:
      rounds === 0
        ? "Answer the user's message directly from what is in your context."
        : [
            "Answer the user's message. If it tells you something worth keeping, or you need to look",
            "something up, call the memory tools first",
            `(at most ${rounds} round${rounds === 1 ? "" : "s"} of tool calls), then answer.`,
          ].join(" "),
    mustAnswer: (_steps, stepNumber) => stepNumber >= rounds,
  };
}
