import type { z } from "zod";
import { modelFailure as describeModelFailure } from "../agent/model-errors.ts";
import { EngramError } from "../core/errors.ts";
import { describePath, findInputProblem, MAX_INPUT_DEPTH, wellFormedPrefix } from "../core/input-limits.ts";
import { describeIssues } from "../core/validation.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import type { JobRun } from "./job-run.ts";

/**
 * Asks the agent's model one question whose answer must be a JSON object matching `schema`. A model
 * that fails, or answers with anything else, fails the job attempt (which changes nothing and is
 * retried): a malformed answer is never applied in part.
 */
export async function askModel<S extends z.ZodType>(
  run: JobRun,
  step: string,
  prompt: string,
  schema: S,
): Promise<z.output<S>> {
  const model = run.model();
  await run.keepAlive();
  let text: string;
  const abortSignal = run.modelSignal();
  try {
    // The model retries (run.model() has the sleep-time `retry` settings); the AI SDK's would hide the cause.
    ({ text } = await aiSdk().generateText({ model, prompt, maxRetries: 0, abortSignal }));
  } catch (error) {
    throw modelFailure(run, step, abortSignal, error);
  }
  run.stats.modelCalls = (run.stats.modelCalls ?? 0) + 1;
  return parseModelJson(text, schema, step);
}

/**
 * A failed sleep-time model call as the job records it: told as a turn's failure is (`could not
 * reach model …`, with `details.reason`), or, cut off by the job's lease, saying so.
 */
export function modelFailure(run: JobRun, step: string, signal: AbortSignal, error: unknown): EngramError {
  if (signal.aborted)
    return new EngramError(
      "unavailable",
      `sleep-time ${step}: the language model failed: it did not answer within ${run.options.queue.leaseMs} ms (the job's lease, queue.leaseMs)`,
      { cause: error, details: { reason: "timeout" } },
    );
  const failure = describeModelFailure(error, run.modelName(), NOT_ABORTED);
  return new EngramError(failure.code, `sleep-time ${step}: ${failure.message}`, {
    cause: error,
    ...(failure.details === undefined ? {} : { details: failure.details }),
  });
}

/** A sleep-time call has no turn time-out or caller to cancel it: its lease bounds it (above). */
const NOT_ABORTED = { timedOut: false, timeoutMs: 0, aborted: false, runningTools: new Map(), waitingOn: [] };

/** The JSON object in a model's answer (fenced or bare), checked against `schema`. */
export function parseModelJson<S extends z.ZodType>(text: string, schema: S, step: string): z.output<S> {
  const body = jsonBody(text);
  if (body === null) throw malformed(step, "it holds no JSON object", text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw malformed(step, `its JSON does not parse (${(error as Error).message})`, text);
  }
  // The rules of user input hold for what a model writes too: what it proposes is stored as it is.
  const problem = findInputProblem(value, MAX_INPUT_DEPTH);
  if (problem !== undefined) throw malformed(step, `${describePath(problem.path)}: ${problem.message}`, text);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw malformed(step, describeIssues(parsed.error.issues), text);
  return parsed.data;
}

/** A model answer the job cannot use: worth a retry (models vary), never a partial change. */
export function malformed(step: string, problem: string, answer?: string): EngramError {
  const excerpt =
    answer === undefined ? "" : ` (answer began: ${JSON.stringify(wellFormedPrefix(answer, 120))})`;
  return new EngramError(
    "unavailable",
    `sleep-time ${step}: the model's answer is unusable: ${problem}${excerpt}`,
  );
}

function jsonBody(text: string): string | null {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const source = fenced?.[1] ?? text;
  const start = source.indexOf("{");
  const end = source.lastIndexOf("}");
  return start === -1 || end <= start ? null : source.slice(start, end + 1);
}
