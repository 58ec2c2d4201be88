import type { LanguageModel } from "ai";
import { EngramError } from "../core/errors.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import { type LearnedContext, systemPrompt } from "./learned-context.ts";

/** What a runner is asked: one input, under one learned context. */
export interface RunInput {
  input: string;
  context: LearnedContext;
  /** Derived from the run's seed, the context and the task: the same question gets the same seed. */
  seed: number;
  /** 0 for evaluation (the default); more when sampling several answers (self-consistency). */
  temperature?: number | undefined;
}

/**
 * Runs the agent on one input with a candidate learned context and returns its answer. The default
 * asks the language model with the context as the system prompt; an agent runtime can stand in.
 */
export interface TaskRunner {
  run(input: RunInput): Promise<string>;
}

/** The default runner: one `generateText` call, the learned context as the system prompt. */
export function modelTaskRunner(model: LanguageModel): TaskRunner {
  return {
    async run({ input, context, seed, temperature }) {
      const system = systemPrompt(context);
      try {
        const { text } = await aiSdk().generateText({
          model,
          ...(system === "" ? {} : { system }),
          prompt: input,
          temperature: temperature ?? 0,
          seed,
          maxRetries: 2,
        });
        return text;
      } catch (error) {
        throw new EngramError("unavailable", `the model did not answer a task: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}

/** Longest answer kept in a record (the rest is cut; the score is of the whole answer). */
export const MAX_RECORDED_OUTPUT = 4000;

export function clip(text: string, max = MAX_RECORDED_OUTPUT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Whether a recorded answer is `clip`ped: only its start was kept, so it is not the answer given. */
export function wasClipped(recorded: string): boolean {
  return recorded.length === MAX_RECORDED_OUTPUT && recorded.endsWith("…");
}
