import type { AttemptRecord } from "../core/evolution-types.ts";
import type { Episode, EpisodeStep, Message } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import type { RunConfig } from "./run-config.ts";
import { wasClipped } from "./task-runner.ts";

/** A chat message in OpenAI's fine-tuning format. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

const PAGE = 500;

/** Whether an episode counts as a success: its `success` flag, else a positive return. */
export const succeeded = (episode: Episode) => episode.success ?? episode.totalReward > 0;

/** The agent's finished episodes with their steps, by task then id. */
export async function finishedEpisodes(store: Store, agentId: string): Promise<Episode[]> {
  const listed: Episode[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.episodes.list(agentId, { after, limit: PAGE });
    listed.push(...page.filter((e) => e.status === "finished"));
    if (page.length < PAGE) break;
    after = page.at(-1)?.id;
  }
  listed.sort((a, b) => (a.task === b.task ? compare(a.id, b.id) : compare(a.task, b.task)));
  const full: Episode[] = [];
  for (const e of listed) {
    const episode = await store.episodes.get(agentId, e.id);
    if (episode !== null && episode.steps.length > 0) full.push(episode);
  }
  return full;
}

/** The user turn of an episode step: the task and the first observation, then each observation. */
export function stepTurn(task: string, step: EpisodeStep, first: boolean): ChatMessage {
  const lines = [
    ...(first ? [`Task: ${task}`] : []),
    `Observation: ${step.observation}`,
    ...(step.availableActions.length > 0 ? [`Available actions: ${step.availableActions.join(", ")}`] : []),
  ];
  return { role: "user", content: lines.join("\n") };
}

/** An episode as alternating turns: observation (user), action (assistant). */
export function episodeTurns(episode: Episode, upTo = episode.steps.length): ChatMessage[] {
  return episode.steps
    .slice(0, upTo)
    .flatMap((step, i) => [
      stepTurn(episode.task, step, i === 0),
      { role: "assistant" as const, content: step.action },
    ]);
}

/**
 * The agent's conversations, one per (user, session), in log order: user and assistant turns only
 * (consecutive turns of one role joined), from the first user turn to the last assistant turn.
 */
export async function conversations(store: Store, agentId: string): Promise<ChatMessage[][]> {
  const groups = new Map<string, Message[]>();
  let after: string | undefined;
  for (;;) {
    const page = await store.messages.list({ agentId }, { after, limit: PAGE });
    for (const m of page) {
      const key = JSON.stringify([m.userId, m.sessionId]);
      const group = groups.get(key) ?? [];
      group.push(m);
      groups.set(key, group);
    }
    if (page.length < PAGE) break;
    after = page.at(-1)?.id;
  }
  const result: ChatMessage[][] = [];
  for (const messages of groups.values()) {
    const turns: ChatMessage[] = [];
    for (const m of messages) {
      if (m.role !== "user" && m.role !== "assistant") continue;
      if (m.content.trim() === "") continue;
      const last = turns.at(-1);
      if (last?.role === m.role) last.content = `${last.content}\n\n${m.content}`;
      else if (turns.length > 0 || m.role === "user") turns.push({ role: m.role, content: m.content });
    }
    while (turns.at(-1)?.role === "user") turns.pop();
    if (turns.length >= 2) result.push(turns);
  }
  return result;
}

/** A text task's attempts across the agent's evolution runs: distinct passed and failed answers. */
export interface TaskAttempts {
  input: string;
  passed: string[];
  failed: string[];
}

/**
 * Every text task attempted in the agent's evolution runs (runs oldest first, candidates in order),
 * keyed by input, with its distinct passed and failed answers in the order they were first given.
 */
export async function evolutionAttempts(store: Store, agentId: string): Promise<TaskAttempts[]> {
  const runs = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.evolution.listRuns(agentId, { after, limit: PAGE });
    runs.push(...page);
    if (page.length < PAGE) break;
    after = page.at(-1)?.id;
  }
  runs.reverse();
  const byInput = new Map<string, TaskAttempts>();
  for (const run of runs) {
    const config = run.config as unknown as RunConfig;
    const generated = ((run.state.generated as RunConfig["tasks"] | undefined) ?? []) as RunConfig["tasks"];
    const inputs = new Map<string, string>();
    for (const task of [...config.tasks, ...generated])
      if (task.kind === "text") inputs.set(task.id, task.input);
    for (const candidate of await store.evolution.listCandidates(agentId, run.id)) {
      const evaluation = candidate.evaluation as Record<string, AttemptRecord[] | undefined>;
      // The sequential gate's draws of the child (the context it was gated against has its own record).
      const gate = (candidate.evaluation.gateSamples as { child?: AttemptRecord[] } | undefined)?.child ?? [];
      const lists = ["parentMinibatch", "minibatch", "validation", "heldOut"].map((k) => evaluation[k] ?? []);
      for (const list of [...lists, gate]) {
        for (const attempt of list) {
          const input = inputs.get(attempt.taskId);
          // A clipped answer is not the one the checker scored: as a training target it would teach
          // the model to stop mid-answer.
          if (input === undefined || attempt.output.trim() === "" || wasClipped(attempt.output)) continue;
          const entry = byInput.get(input) ?? { input, passed: [], failed: [] };
          const list = attempt.passed ? entry.passed : entry.failed;
          if (!list.includes(attempt.output)) list.push(attempt.output);
          byInput.set(input, entry);
        }
      }
    }
  }
  return [...byInput.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
