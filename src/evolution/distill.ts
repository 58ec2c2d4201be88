import { z } from "zod";
import type { Agent, Episode } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import type { EngineContext } from "../memory/context.ts";
import {
  type ChatMessage,
  conversations,
  episodeTurns,
  evolutionAttempts,
  finishedEpisodes,
  stepTurn,
  succeeded,
} from "./distill-sources.ts";
import { type AgentAccess, loadContext } from "./gate.ts";
import { systemPrompt } from "./learned-context.ts";

export const DISTILL_FORMATS = ["sft", "dpo"] as const;
export const DISTILL_SOURCES = ["episodes", "messages", "evolution"] as const;
export type DistillSource = (typeof DISTILL_SOURCES)[number];

export const distillOptions = z.strictObject({
  format: z.enum(DISTILL_FORMATS, { error: "must be sft or dpo" }),
  sources: z
    .array(z.enum(DISTILL_SOURCES, { error: `must be one of ${DISTILL_SOURCES.join(", ")}` }))
    .min(1, "must name at least one source")
    .optional(),
  branch: z.string().min(1).max(100).optional(),
});
export type DistillOptions = z.input<typeof distillOptions>;

export interface DistillResult {
  format: "sft" | "dpo";
  /** Examples written. */
  count: number;
  /** Examples from each source. */
  sources: Record<DistillSource, number>;
  /** The system prompt every example starts with: the agent's learned context. */
  system: string;
  /** The examples as JSON Lines (one per line, each line ending in a newline). */
  jsonl: string;
}

/** SFT example: OpenAI's chat fine-tuning line. */
interface SftExample {
  messages: ChatMessage[];
}

/** DPO example: OpenAI's preference fine-tuning line. */
interface DpoExample {
  input: { messages: ChatMessage[] };
  preferred_output: ChatMessage[];
  non_preferred_output: ChatMessage[];
}

/**
 * Exports what an agent learned as fine-tuning data (docs/evolution.md), with its learned context
 * (instructions, blocks, insights, at the branch head) as the system prompt of every example:
 *
 * - `sft`: `{"messages": [system, user, assistant, …]}` per line, from successful episodes (the
 *   trajectory as observation/action turns), conversations (one per user and session), and answers
 *   that passed their checker in evolution runs.
 * - `dpo`: `{"input": {"messages": […]}, "preferred_output": [assistant], "non_preferred_output":
 *   [assistant]}` per line, from a successful and a failed episode of the same task (at the first
 *   step where, after the same observations, they acted differently), and from a passed and a failed
 *   answer to the same evolution task.
 *
 * Order and content depend only on the database: the same data gives the same bytes.
 */
export async function distill(
  ctx: EngineContext,
  access: AgentAccess,
  agent: Agent,
  options: DistillOptions,
): Promise<DistillResult> {
  const parsed = parseInput(distillOptions, options, "distill options");
  const sources = new Set(parsed.sources ?? DISTILL_SOURCES);
  const { context } = await loadContext(access, agent, parsed.branch ?? agent.defaultBranch);
  const system = systemPrompt(context);
  const head: ChatMessage[] = system === "" ? [] : [{ role: "system", content: system }];
  const counts: Record<DistillSource, number> = { episodes: 0, messages: 0, evolution: 0 };
  const lines: string[] = [];
  const seen = new Set<string>();
  const emit = (source: DistillSource, example: SftExample | DpoExample) => {
    const line = JSON.stringify(example);
    if (seen.has(line)) return;
    seen.add(line);
    lines.push(line);
    counts[source]++;
  };

  const episodes = sources.has("episodes") ? await finishedEpisodes(ctx.store, agent.id) : [];
  const attempts = sources.has("evolution") ? await evolutionAttempts(ctx.store, agent.id) : [];
  if (parsed.format === "sft") {
    for (const episode of episodes.filter(succeeded))
      emit("episodes", { messages: [...head, ...episodeTurns(episode)] });
    if (sources.has("messages")) {
      for (const turns of await conversations(ctx.store, agent.id))
        emit("messages", { messages: [...head, ...turns] });
    }
    for (const task of attempts) {
      for (const answer of task.passed) {
        emit("evolution", {
          messages: [...head, { role: "user", content: task.input }, { role: "assistant", content: answer }],
        });
      }
    }
  } else {
    const byTask = new Map<string, { won: Episode[]; lost: Episode[] }>();
    for (const episode of episodes) {
      const entry = byTask.get(episode.task) ?? { won: [], lost: [] };
      (succeeded(episode) ? entry.won : entry.lost).push(episode);
      byTask.set(episode.task, entry);
    }
    for (const { won, lost } of byTask.values()) {
      for (let i = 0; i < Math.min(won.length, lost.length); i++) {
        const pair = divergence(won[i] as Episode, lost[i] as Episode);
        if (pair === null) continue;
        emit("episodes", {
          input: { messages: [...head, ...pair.prefix] },
          preferred_output: [{ role: "assistant", content: pair.preferred }],
          non_preferred_output: [{ role: "assistant", content: pair.rejected }],
        });
      }
    }
    for (const task of attempts) {
      for (let i = 0; i < Math.min(task.passed.length, task.failed.length); i++) {
        emit("evolution", {
          input: { messages: [...head, { role: "user", content: task.input }] },
          preferred_output: [{ role: "assistant", content: task.passed[i] as string }],
          non_preferred_output: [{ role: "assistant", content: task.failed[i] as string }],
        });
      }
    }
  }
  return {
    format: parsed.format,
    count: lines.length,
    sources: counts,
    system,
    jsonl: lines.map((l) => `${l}\n`).join(""),
  };
}

/**
 * Where a success and a failure of one task part: the first step at which, after the same
 * observations and actions, they saw the same observation and acted differently. Null when they
 * never do (their observations differ first, or one is the other's prefix).
 */
export function divergence(
  success: Episode,
  failure: Episode,
): { prefix: ChatMessage[]; preferred: string; rejected: string } | null {
  const length = Math.min(success.steps.length, failure.steps.length);
  for (let i = 0; i < length; i++) {
    const a = success.steps[i];
    const b = failure.steps[i];
    if (a === undefined || b === undefined || a.observation !== b.observation) return null;
    if (a.action === b.action) continue;
    const prefix = [...episodeTurns(success, i), stepTurn(success.task, a, i === 0)];
    return { prefix, preferred: a.action, rejected: b.action };
  }
  return null;
}
