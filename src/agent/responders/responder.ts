import type { ResponderName } from "../runtime-config.ts";

/** What a responder knows of the steps taken so far in a turn. */
export interface StepView {
  toolCalls: readonly { toolName: string; input: unknown }[];
}

/**
 * How a turn uses the model: guidance added to the prompt, how many model calls it may make, and
 * when the next call must answer rather than call tools. Both of engram's responders answer in the
 * last allowed call, so a turn never ends on a tool call without an answer.
 */
export interface Responder {
  readonly name: ResponderName;
  /** Told to the model in the system prompt. */
  readonly guidance: string;
  /** Model calls allowed in one turn (1 means no tool round). */
  readonly maxSteps: number;
  /** Whether the call about to be made (0-based `stepNumber`) must answer without tools. */
  mustAnswer(steps: readonly StepView[], stepNumber: number): boolean;
}
