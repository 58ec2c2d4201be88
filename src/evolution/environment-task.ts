import type { AttemptRecord } from "../core/evolution-types.ts";
import { createEnvironment } from "../environments/environment.ts";
import type { LearnedContext } from "./learned-context.ts";
import { clip, type TaskRunner } from "./task-runner.ts";
import type { EnvironmentTask } from "./task-set.ts";

/** Steps of the trajectory so far that each step's prompt repeats. */
const RECENT_STEPS = 5;

/**
 * Plays one episode of a built-in environment as a task: at each step the runner is asked for an
 * action, given the task, the observation, the available actions and the last few steps. The score
 * is 1 when the episode ends by reaching its goal, else 0; the feedback says how it ended.
 */
export async function runEnvironmentTask(
  task: EnvironmentTask,
  context: LearnedContext,
  runner: TaskRunner,
  seed: number,
): Promise<AttemptRecord> {
  const env = createEnvironment(task.environment, task.maxSteps === null ? {} : { maxSteps: task.maxSteps });
  const reset = env.reset(task.seed);
  let observation = reset.observation;
  let actions = reset.availableActions;
  let total = 0;
  const lines: string[] = [];
  for (let step = 1; ; step++) {
    const answer = await runner.run({
      input: stepPrompt(reset.task, observation, actions, lines.slice(-RECENT_STEPS)),
      context,
      seed: seed + step,
    });
    const action = actionIn(answer, actions);
    if (action === null) {
      lines.push(`${step}. ${observation} → (no action: ${JSON.stringify(answer.slice(0, 80))})`);
      return result(task, lines, 0, `at step ${step} the answer named none of: ${actions.join(", ")}`, total);
    }
    const outcome = env.step(action);
    total += outcome.reward;
    lines.push(`${step}. ${observation} → ${action} (reward ${outcome.reward})`);
    if (outcome.done) {
      const won = !outcome.truncated && (!task.environment.startsWith("frozenlake") || outcome.reward > 0);
      const how = won
        ? `reached the goal in ${step} steps`
        : outcome.truncated
          ? `ran out of steps (${step}) before reaching the goal`
          : `failed at step ${step}: ${outcome.observation}`;
      return result(task, lines, won ? 1 : 0, `${how}; return ${total}`, total);
    }
    observation = outcome.observation;
    actions = outcome.availableActions;
  }
}

function result(
  task: EnvironmentTask,
  lines: string[],
  score: number,
  feedback: string,
  total: number,
): AttemptRecord {
  return {
    taskId: task.id,
    score,
    passed: score >= 1,
    output: clip(`${lines.join("\n")}\nreturn: ${total}`),
    feedback: score >= 1 ? `correct: ${feedback}` : feedback,
  };
}

/** The prompt of one step. */
export function stepPrompt(
  task: string,
  observation: string,
  actions: readonly string[],
  recent: string[],
): string {
  return [
    `Task: ${task}`,
    ...(recent.length > 0 ? ["Your last steps:", ...recent] : []),
    `Observation: ${observation}`,
    `Available actions: ${actions.join(", ")}`,
    "Answer with exactly one of the available actions and nothing else.",
  ].join("\n");
}

/** The available action an answer names: exactly, else the first one it mentions, else null. */
export function actionIn(answer: string, available: readonly string[]): string | null {
  const trimmed = answer
    .trim()
    .replace(/^["'`]|["'`.]$/g, "")
    .toLowerCase();
  const exact = available.find((a) => a.toLowerCase() === trimmed);
  if (exact !== undefined) return exact;
  const lower = answer.toLowerCase();
  let best: { action: string; at: number } | null = null;
  for (const action of available) {
    const at = lower.search(
      new RegExp(`\\b${action.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`),
    );
    if (at >= 0 && (best === null || at < best.at)) best = { action, at };
  }
  return best?.action ?? null;
}
