import type { AttemptRecord } from "../core/evolution-types.ts";
import {
  componentText,
  diffContexts,
  EXEMPLARS_BLOCK,
  type LearnedContext,
  systemPrompt,
  withComponent,
} from "./learned-context.ts";
import type { Task } from "./task-set.ts";

/** Most examples a reflection prompt shows. */
const MAX_EXAMPLES = 6;
/** Longest task input or answer a reflection prompt quotes. */
const MAX_QUOTE = 1500;

/** An attempt with the task it was at, as reflection reads it. */
export interface Trace {
  task: Task;
  attempt: AttemptRecord;
}

function describeComponent(context: LearnedContext, component: string): string {
  if (component === "instructions") return "the agent's instructions";
  if (component === "insights") return "the list of rules the agent has learned from experience";
  const label = component.slice("block:".length);
  const description = context.blocks.find((b) => b.label === label)?.description ?? "";
  return `the memory block "${label}"${description === "" ? "" : ` (${description})`}`;
}

function taskText(task: Task): string {
  return task.kind === "text"
    ? task.input
    : `An episode of the ${task.environment} environment (seed ${task.seed}).`;
}

const quote = (text: string) => (text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE - 1)}…` : text);

/**
 * The reflective-mutation prompt (GEPA): the component's current text, the agent's whole context,
 * and traces of its attempts (failures first) with the checker's feedback; the model is asked for a
 * revised text of that component only.
 */
export function reflectionPrompt(
  context: LearnedContext,
  component: string,
  traces: readonly Trace[],
): string {
  const current = componentText(context, component);
  const what = describeComponent(context, component);
  const ordered = [...traces.filter((t) => !t.attempt.passed), ...traces.filter((t) => t.attempt.passed)];
  const examples = ordered
    .slice(0, MAX_EXAMPLES)
    .map((t, i) =>
      [
        `## Example ${i + 1} (${t.attempt.passed ? "passed" : "failed"}, score ${t.attempt.score})`,
        "Task:",
        quote(taskText(t.task)),
        "Agent's answer:",
        quote(t.attempt.output),
        `Feedback: ${t.attempt.feedback}`,
      ].join("\n"),
    );
  return [
    "You improve the learned context of an AI agent: the text it is given before every task.",
    `Revise one part of it: ${what}.`,
    "",
    `The current text of ${what}:`,
    "```",
    current === "" ? "(empty)" : current,
    "```",
    "",
    "The agent's whole context, for reference:",
    "```",
    systemPrompt(context) || "(empty)",
    "```",
    "",
    "How the agent did on some tasks with this context:",
    "",
    ...examples.flatMap((e) => [e, ""]),
    `Write a new version of ${what} that makes the agent succeed where it failed and keeps what already works.`,
    "State general rules, facts and ways of working; do not just list the answers to these examples.",
    ...(component === "insights" ? ["Give one rule per line."] : []),
    "Answer with the new text only, inside one ``` fenced block.",
  ].join("\n");
}

/** The revised text in a reflection answer: the first fenced block, else the whole answer. */
export function parseRevision(answer: string): string {
  const fenced = /```[^\n`]*\n([\s\S]*?)\n?```/.exec(answer);
  return (fenced?.[1] ?? answer).trim();
}

/** The exemplars block text: up to `count` passed text tasks, as input and answer. */
export function exemplarsText(traces: readonly Trace[], count: number): string {
  return traces
    .filter((t) => t.attempt.passed && t.task.kind === "text")
    .slice(0, count)
    .map((t) => `Input: ${quote(taskText(t.task))}\nAnswer: ${quote(t.attempt.output.trim())}`)
    .join("\n\n");
}

/** The context with fresh exemplars, or null when no attempt passed. */
export function withExemplars(
  context: LearnedContext,
  traces: readonly Trace[],
  count: number,
): LearnedContext | null {
  const text = exemplarsText(traces, count);
  return text === "" ? null : withComponent(context, `block:${EXEMPLARS_BLOCK}`, text);
}

/**
 * GEPA's system-aware merge of two candidates descended from one seed: each component is taken from
 * `a` where `a` changed it, else from `b`. Null when the merge equals either parent.
 */
export function mergeContexts(
  seed: LearnedContext,
  a: LearnedContext,
  b: LearnedContext,
): LearnedContext | null {
  const changedInA = new Set(diffContexts(seed, a).map((c) => c.component));
  let merged = a;
  for (const change of diffContexts(seed, b)) {
    if (!changedInA.has(change.component)) merged = withComponent(merged, change.component, change.after);
  }
  const same = (x: LearnedContext, y: LearnedContext) => diffContexts(x, y).length === 0;
  return same(merged, a) || same(merged, b) ? null : merged;
}
