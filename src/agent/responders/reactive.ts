import type { Responder, StepView } from "./responder.ts";

/**
 * Omne's reactive responder: a plan → act → observe loop. Each model call states its plan, acts by
 * calling tools and reads their results in the next call, until it answers. It stops acting, and
 * must answer, when the step limit is reached, when it repeats the previous step's tool calls
 * exactly (a loop that observes nothing new), or when a caller's stop condition holds.
 */
export function reactiveResponder(options: {
  maxSteps: number;
  stopWhen?: ((steps: readonly StepView[]) => boolean) | undefined;
}): Responder {
  const { maxSteps } = options;
  return {
    name: "reactive",
    maxSteps,
    guidance: [
      "Work in a loop until you can answer: (1) plan: say in a sentence or two what you will do",
      "next and why; (2) act: call the tools you need; (3) observe: read their results and revise",
      "the plan. When you have what you need, give your final answer without calling a tool.",
      `You have at most ${maxSteps} steps; the last one must be the answer.`,
    ].join(" "),
    mustAnswer(steps, stepNumber) {
      if (stepNumber >= maxSteps - 1) return true;
      if (repeatsItself(steps)) return true;
      return options.stopWhen?.(steps) ?? false;
    },
  };
}

/** The last two steps made the same tool calls with the same input. */
function repeatsItself(steps: readonly StepView[]): boolean {
  const last = steps.at(-1);
  const before = steps.at(-2);
  if (last === undefined || before === undefined || last.toolCalls.length === 0) return false;
  return signature(last) === signature(before);
}

function signature(step: StepView): string {
  return JSON.stringify(step.toolCalls.map((c) => [c.toolName, c.input]));
}
