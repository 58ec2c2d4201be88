import type { LanguageModel } from "ai";
import { EngramError } from "../core/errors.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import type { LearnedContext } from "./learned-context.ts";
import { deriveSeed } from "./seeds.ts";
import type { TaskRunner } from "./task-runner.ts";
import type { Task, TextTask } from "./task-set.ts";

export interface Objective {
  text: string;
  /** Tasks asked for. */
  count: number;
  /** Answers sampled per task for self-consistency. */
  samples: number;
  /** Share of the samples the most common answer must reach for the task to be kept. */
  agreement: number;
}

/** A generated task that self-consistency turned away, with the answers it got. */
export interface DroppedTask {
  input: string;
  answers: string[];
  reason: string;
}

/** Temperature of the sampled answers: enough to disagree where the agent is unsure. */
export const SAMPLING_TEMPERATURE = 0.7;

/**
 * Acquisition from an objective: the model writes new task inputs, the agent answers each several
 * times, and a task is kept, as a training task checked against its most common answer, only when
 * that answer reaches the agreement share (self-consistency). Generated tasks never join the
 * validation or held-out sets, so the gate is judged on given tasks alone.
 */
export async function generateTasks(
  model: LanguageModel,
  runner: TaskRunner,
  context: LearnedContext,
  objective: Objective,
  examples: readonly Task[],
  seed: number,
): Promise<{ tasks: TextTask[]; dropped: DroppedTask[] }> {
  let text: string;
  try {
    ({ text } = await aiSdk().generateText({
      model,
      prompt: generationPrompt(objective, examples),
      temperature: SAMPLING_TEMPERATURE,
      seed: deriveSeed(seed, "generate"),
      maxRetries: 2,
    }));
  } catch (error) {
    throw new EngramError("unavailable", `task generation failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const inputs = parseInputs(text).slice(0, objective.count);
  const tasks: TextTask[] = [];
  const dropped: DroppedTask[] = [];
  for (const [i, input] of inputs.entries()) {
    const answers: string[] = [];
    for (let k = 0; k < objective.samples; k++) {
      const seedK = deriveSeed(seed, "sample", i, k);
      answers.push(
        (await runner.run({ input, context, seed: seedK, temperature: SAMPLING_TEMPERATURE })).trim(),
      );
    }
    const { answer, share } = majority(answers);
    if (answer === "" || share < objective.agreement) {
      dropped.push({
        input,
        answers,
        reason: `the most common answer has ${Math.round(share * 100)}% agreement`,
      });
      continue;
    }
    tasks.push({
      id: `generated-${i + 1}`,
      kind: "text",
      input,
      checker: "exact",
      expected: answer,
      params: { ignoreCase: true, generated: true, agreement: share },
      split: "train",
    });
  }
  return { tasks, dropped };
}

function generationPrompt(objective: Objective, examples: readonly Task[]): string {
  const shown = examples.flatMap((t) => (t.kind === "text" ? [t.input] : [])).slice(0, 3);
  return [
    `Write ${objective.count} new, varied tasks for an AI agent that is learning this objective:`,
    objective.text,
    ...(shown.length > 0 ? ["", "Tasks it already has look like these:", ...shown.map((s) => `- ${s}`)] : []),
    "",
    "Each task must have one short answer that can be checked exactly.",
    'Answer with one JSON object per line, {"input": "<the task>"}, and nothing else.',
  ].join("\n");
}

/** Task inputs from the model's answer: its JSON lines with `input`, or, when it has none, its plain lines. */
export function parseInputs(text: string): string[] {
  const json: string[] = [];
  const plain: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim().replace(/^[-*]\s+/, "");
    if (line === "" || line.startsWith("```")) continue;
    if (!line.startsWith("{")) {
      plain.push(line);
      continue;
    }
    try {
      const value = JSON.parse(line) as { input?: unknown };
      if (typeof value.input === "string" && value.input.trim() !== "") json.push(value.input.trim());
    } catch {
      // not a task line
    }
  }
  return [...new Set(json.length > 0 ? json : plain)];
}

/** The most common answer (compared without case, spacing or a final full stop) and its share. */
export function majority(answers: readonly string[]): { answer: string; share: number } {
  const key = (a: string) =>
    a
      .toLowerCase()
      .replace(/\s+/g, " ")
      .replace(/[.!]+$/, "")
      .trim();
  const counts = new Map<string, { answer: string; n: number }>();
  for (const answer of answers) {
    const entry = counts.get(key(answer)) ?? { answer, n: 0 };
    entry.n++;
    counts.set(key(answer), entry);
  }
  let best = { answer: "", n: 0 };
  for (const entry of counts.values()) if (entry.n > best.n) best = entry;
  return { answer: best.answer, share: answers.length === 0 ? 0 : best.n / answers.length };
}
