import type { LanguageModel } from "ai";
import { EngramError } from "../core/errors.ts";
import type { Advice } from "../experience/advice.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import type { Policy, Situation } from "./policy.ts";

/**
 * A language-model policy in Rememberer's style: the prompt carries the task, the observation, the
 * available actions and the experience memory's advice (records with encouraged and discouraged
 * actions); the model answers with one action.
 */
export function llmPolicy(options: {
  model: LanguageModel;
  advise: (situation: Situation) => Promise<Advice>;
  insights?: () => Promise<string[]>;
}): Policy {
  return {
    async act(situation: Situation): Promise<string> {
      const advice = await options.advise(situation);
      const rules = (await options.insights?.()) ?? [];
      const { text } = await aiSdk().generateText({
        model: options.model,
        prompt: actionPrompt(situation, advice, rules),
        maxRetries: 2,
      });
      return parseAction(text, situation.availableActions);
    },
  };
}

export function actionPrompt(situation: Situation, advice: Advice, rules: readonly string[]): string {
  return [
    "You choose the next action of an agent. Past experience with similar situations follows, with the",
    "actions that worked (Encouraged) and did not (Discouraged) and their estimated values.",
    "",
    advice.text === "" ? "(no experience yet)" : advice.text,
    ...(rules.length > 0 ? ["", "Rules learned so far:", ...rules.map((r, i) => `${i + 1}. ${r}`)] : []),
    "",
    `Task: ${situation.task}`,
    `Observation: ${situation.observation}`,
    `Available actions: ${situation.availableActions.join(", ")}`,
    "Answer with exactly one of the available actions and nothing else.",
  ].join("\n");
}

/** The available action the answer names (exactly, else the first one mentioned). */
export function parseAction(answer: string, available: readonly string[]): string {
  const trimmed = answer.trim().replace(/^["'`]|["'`.]$/g, "");
  const exact = available.find((a) => a.toLowerCase() === trimmed.toLowerCase());
  if (exact !== undefined) return exact;
  const lower = answer.toLowerCase();
  const mentioned = available
    .map((a) => ({ a, at: lower.indexOf(a.toLowerCase()) }))
    .filter((m) => m.at >= 0)
    .sort((x, y) => x.at - y.at)[0];
  if (mentioned !== undefined) return mentioned.a;
  throw new EngramError(
    "unavailable",
    `the model answered ${JSON.stringify(answer.slice(0, 200))}, which names no available action`,
  );
}
