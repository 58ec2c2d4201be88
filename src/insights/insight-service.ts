import type { LanguageModel } from "ai";
import { z } from "zod";
import { EngramError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { Actor, Agent, Episode, Insight, NewEvent } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { type EngineContext, makeEvent, nowIso, requireAgent } from "../memory/context.ts";
import { aiSdk } from "../models/ai-sdk.ts";
import { modelForAgent } from "../models/language-model.ts";

/** Most rules kept before REMOVE counts triple (ExpeL's list-size pressure). */
export const INSIGHT_CAPACITY = 20;

/** The longest insight rule. */
export const MAX_RULE_CHARS = 2000;

/** A rule's support count: a rule at 0 or below is dropped, so a kept one has at least 1. */
export const insightCount = z.number().int().min(1, "must be at least 1 (a rule at 0 is dropped)");

export const ruleText = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(MAX_RULE_CHARS, `must be at most ${MAX_RULE_CHARS} characters`);

export const insightOperation = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("add"), text: ruleText }),
  z.strictObject({ op: z.literal("edit"), id: z.string().min(1), text: ruleText }),
  z.strictObject({ op: z.literal("agree"), id: z.string().min(1) }),
  z.strictObject({ op: z.literal("remove"), id: z.string().min(1) }),
]);
export type InsightOperation = z.input<typeof insightOperation>;

export interface ExtractOptions {
  model?: LanguageModel | string;
  task?: string;
  maxPairs?: number;
  /** Only tasks with an episode finished after this time (ISO). */
  since?: string;
}

/** Rule changes computed but not yet written (see `InsightService.prepare`). */
export interface InsightPlan {
  agentId: string;
  upserts: Insight[];
  deletes: string[];
  /** Each touched rule as it was read: its `updatedAt`, or null for a new one. */
  expected: { id: string; updatedAt: string | null }[];
  /** The `insights.changed` event, or none when nothing changes. */
  events: NewEvent[];
  applied: InsightOperation[];
  skipped: { operation: InsightOperation; reason: string }[];
  /** The rules as they would be, strongest first. */
  after: Insight[];
}

export interface InsightResult {
  insights: Insight[];
  applied: InsightOperation[];
  /** Operations that validation turned away, with why (e.g. an ADD of a rule already there). */
  skipped: { operation: InsightOperation; reason: string }[];
}

/** An agent's rules being changed in memory, beside copies of them as they were read. */
class RuleState {
  readonly rules: Map<string, Insight>;
  readonly before: Map<string, Insight>;

  constructor(rules: readonly Insight[]) {
    this.rules = new Map(rules.map((r) => [r.id, { ...r }]));
    this.before = new Map(rules.map((r) => [r.id, { ...r }]));
  }

  /** As the store lists them: strongest first, then oldest. */
  ranked(): Insight[] {
    return [...this.rules.values()]
      .map((r) => ({ ...r }))
      .sort(
        (a, b) =>
          b.count - a.count ||
          (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1),
      );
  }
}

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/[.!]+$/, "")
    .trim();

/**
 * Insights (ExpeL, arXiv 2308.10144): rules with support counts. ADD starts a rule at 2, EDIT replaces
 * its text (+1), AGREE adds 1, REMOVE takes 1 (3 while the list is over capacity); a rule at 0 or
 * below is dropped. An ADD of a rule already there is dropped; an EDIT to the same text is an AGREE.
 */
export class InsightService {
  readonly #ctx: EngineContext;
  readonly #capacity: number;

  constructor(ctx: EngineContext, capacity = INSIGHT_CAPACITY) {
    this.#ctx = ctx;
    this.#capacity = capacity;
  }

  /** The agent's rules, strongest first. */
  async list(agentId: string): Promise<Insight[]> {
    const agent = await requireAgent(this.#ctx, agentId);
    return this.#ctx.store.insights.list(agent.id);
  }

  /**
   * Applies operations in order, in one transaction. With `strict` (the default) an operation naming
   * an unknown rule is an error and nothing is applied; otherwise it is skipped.
   */
  async apply(
    agentId: string,
    operations: readonly InsightOperation[],
    options: { actor?: Actor; strict?: boolean } = {},
  ): Promise<InsightResult> {
    const plan = await this.prepare(agentId, operations, options);
    await this.#write(plan);
    return {
      insights: await this.#ctx.store.insights.list(plan.agentId),
      applied: plan.applied,
      skipped: plan.skipped,
    };
  }

  /**
   * Computes what `apply` would write without writing it, so the change can be applied together with
   * others (a sleep-time job). `expected` names each touched rule as it was read.
   */
  async prepare(
    agentId: string,
    operations: readonly InsightOperation[],
    options: { actor?: Actor; strict?: boolean } = {},
  ): Promise<InsightPlan> {
    if (!Array.isArray(operations) || operations.length === 0) {
      throw new InvalidInputError("invalid insight operations: must be a non-empty list");
    }
    const parsed = operations.map((op, i) => parseInput(insightOperation, op, `insight operation ${i}`));
    const agent = await requireAgent(this.#ctx, agentId);
    const rules = await this.#ctx.store.insights.list(agent.id);
    const state = new RuleState(rules);
    const { applied, skipped } = this.#run(agent, state, parsed, options.strict ?? true);
    return this.#plan(agent, state, applied, skipped, options.actor ?? "user");
  }

  /**
   * ExpeL's extraction: for each task with both a successful and a failed episode, the model compares
   * them against the current rules and answers with ADD / EDIT / AGREE / REMOVE operations. All
   * pairs' operations are applied in one transaction.
   * @throws EngramError `unavailable` when no language model is configured.
   */
  async extract(agentId: string, options: ExtractOptions = {}): Promise<InsightResult & { pairs: number }> {
    const plan = await this.prepareExtraction(agentId, options);
    await this.#write(plan);
    return {
      insights: await this.#ctx.store.insights.list(plan.agentId),
      applied: plan.applied,
      skipped: plan.skipped,
      pairs: plan.pairs,
    };
  }

  /** `extract` without the write: the model's operations over all pairs, as one plan. */
  async prepareExtraction(
    agentId: string,
    options: ExtractOptions & { actor?: Actor } = {},
  ): Promise<InsightPlan & { pairs: number }> {
    const agent = await requireAgent(this.#ctx, agentId);
    const model = modelForAgent(this.#ctx, agent, options.model);
    const pairs = await this.#pairs(agent, options.task, options.maxPairs ?? 3, options.since);
    const state = new RuleState(await this.#ctx.store.insights.list(agent.id));
    const applied: InsightOperation[] = [];
    const skipped: InsightResult["skipped"] = [];
    for (const [success, failure] of pairs) {
      const rules = state.ranked();
      let text: string;
      try {
        ({ text } = await aiSdk().generateText({
          model,
          prompt: extractionPrompt(success, failure, rules),
          maxRetries: 2,
        }));
      } catch (error) {
        throw new EngramError("unavailable", `insight extraction failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      // The model's rules are held to the limits of everyone else's (a rule over 2,000 characters
      // would make the agent's export unreadable on import).
      const operations: InsightOperation[] = [];
      for (const operation of parseOperations(text, rules)) {
        const checked = insightOperation.safeParse(operation);
        if (checked.success) operations.push(checked.data);
        else
          skipped.push({
            operation,
            reason: checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
          });
      }
      const step = this.#run(agent, state, operations, false);
      applied.push(...step.applied);
      skipped.push(...step.skipped);
    }
    return { ...this.#plan(agent, state, applied, skipped, options.actor ?? "agent"), pairs: pairs.length };
  }

  /** Applies operations to the in-memory rules, ExpeL's counts and all. */
  #run(
    agent: Agent,
    state: RuleState,
    operations: readonly InsightOperation[],
    strict: boolean,
  ): { applied: InsightOperation[]; skipped: InsightResult["skipped"] } {
    const { rules } = state;
    const applied: InsightOperation[] = [];
    const skipped: InsightResult["skipped"] = [];
    const now = nowIso(this.#ctx);
    const sameText = (text: string) => [...rules.values()].find((r) => normalise(r.text) === normalise(text));
    for (const op of operations) {
      if (op.op === "add") {
        if (sameText(op.text) !== undefined) {
          skipped.push({ operation: op, reason: "the rule is already there" });
          continue;
        }
        const rule: Insight = {
          id: this.#ctx.generateId("insight"),
          agentId: agent.id,
          text: op.text,
          count: 2,
          createdAt: now,
          updatedAt: now,
        };
        rules.set(rule.id, rule);
        applied.push(op);
        continue;
      }
      const rule = rules.get(op.id);
      if (rule === undefined) {
        if (strict) throw new NotFoundError(`insight ${op.id} not found on agent ${agent.id}`);
        skipped.push({ operation: op, reason: "no such rule" });
        continue;
      }
      const previousText = rule.text;
      if (op.op === "edit" && normalise(op.text) !== normalise(rule.text)) {
        rule.text = op.text;
        rule.count += 1;
      } else if (op.op === "edit" || op.op === "agree") {
        rule.count += 1;
      } else {
        rule.count -= rules.size > this.#capacity ? 3 : 1;
      }
      rule.updatedAt = now;
      if (rule.count <= 0) rules.delete(rule.id);
      applied.push(
        op.op === "edit" && normalise(op.text) === normalise(previousText) ? { op: "agree", id: op.id } : op,
      );
    }
    return { applied, skipped };
  }

  #plan(
    agent: Agent,
    state: RuleState,
    applied: InsightOperation[],
    skipped: InsightResult["skipped"],
    actor: Actor,
  ): InsightPlan {
    const { rules, before } = state;
    const upserts = [...rules.values()].filter((r) => {
      const old = before.get(r.id);
      return old === undefined || old.count !== r.count || old.text !== r.text;
    });
    const deletes = [...before.keys()].filter((id) => !rules.has(id));
    const touched = [...upserts.map((r) => r.id), ...deletes];
    const changed = upserts.length > 0 || deletes.length > 0;
    return {
      agentId: agent.id,
      upserts,
      deletes,
      expected: touched.map((id) => ({ id, updatedAt: before.get(id)?.updatedAt ?? null })),
      events: changed
        ? [
            makeEvent(this.#ctx, {
              projectId: agent.projectId,
              agentId: agent.id,
              actor,
              kind: "insights.changed",
              targetType: "insights",
              targetId: agent.id,
              before: [...before.values()].filter((r) => touched.includes(r.id)),
              after: { operations: applied, upserts, deletes },
            }),
          ]
        : [],
      applied,
      skipped,
      after: state.ranked(),
    };
  }

  async #write(plan: InsightPlan): Promise<void> {
    if (plan.events.length === 0) return;
    await this.#ctx.store.insights.write(plan.agentId, plan.upserts, plan.deletes, plan.events);
  }

  async #pairs(
    agent: Agent,
    task: string | undefined,
    max: number,
    since: string | undefined,
  ): Promise<[Episode, Episode][]> {
    const listed = await this.#ctx.store.episodes.list(agent.id, { task, limit: 200 });
    // With `since`, only tasks attempted again since then are compared.
    const fresh = new Set(
      listed
        .filter((e) => since === undefined || (e.finishedAt !== null && e.finishedAt > since))
        .map((e) => e.task),
    );
    const byTask = new Map<string, { success?: string; failure?: string }>();
    for (const episode of listed) {
      if (episode.status !== "finished" || !fresh.has(episode.task)) continue;
      const won = episode.success ?? episode.totalReward > 0;
      const entry = byTask.get(episode.task) ?? {};
      if (won) entry.success ??= episode.id;
      else entry.failure ??= episode.id;
      byTask.set(episode.task, entry);
    }
    const pairs: [Episode, Episode][] = [];
    for (const { success, failure } of byTask.values()) {
      if (success === undefined || failure === undefined) continue;
      const a = await this.#ctx.store.episodes.get(agent.id, success);
      const b = await this.#ctx.store.episodes.get(agent.id, failure);
      if (a !== null && b !== null) pairs.push([a, b]);
      if (pairs.length >= max) break;
    }
    return pairs;
  }
}

function trajectory(episode: Episode): string {
  const lines = episode.steps
    .slice(0, 60)
    .map((s) => `Observation: ${s.observation}\nAction: ${s.action} (reward ${s.reward})`);
  if (episode.steps.length > 60) lines.push(`… ${episode.steps.length - 60} more steps`);
  // Feedback on a conversational turn says why it was good or bad: the most useful line of all.
  const comment = episode.metadata.comment;
  if (typeof comment === "string") lines.push(`Feedback: ${comment}`);
  return `${lines.join("\n")}\nTotal reward: ${episode.totalReward}`;
}

/** The prompt of ExpeL's comparison step. */
export function extractionPrompt(success: Episode, failure: Episode, rules: readonly Insight[]): string {
  const numbered = rules.map((r, i) => `${i + 1}. ${r.text}`).join("\n") || "(none yet)";
  return [
    "You are improving the rules an agent follows. Compare a successful and a failed attempt at the same task,",
    "and update the rules so the agent succeeds more often. Rules must be general, short and actionable.",
    `Task: ${success.task}`,
    "",
    "SUCCESSFUL ATTEMPT:",
    trajectory(success),
    "",
    "FAILED ATTEMPT:",
    trajectory(failure),
    "",
    "CURRENT RULES:",
    numbered,
    "",
    "Answer with operations only, one per line, in these forms:",
    "ADD: <new rule>",
    "EDIT <number>: <rewritten rule>",
    "AGREE <number>: <the rule>",
    "REMOVE <number>: <the rule>",
  ].join("\n");
}

/** Reads operations from a model's answer; lines in other forms are ignored. */
export function parseOperations(text: string, rules: readonly Insight[]): InsightOperation[] {
  const out: InsightOperation[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*[-*]?\s*(ADD|EDIT|AGREE|REMOVE)\s*(\d+)?\s*:\s*(.*)$/i.exec(line);
    if (match === null) continue;
    const verb = (match[1] ?? "").toLowerCase();
    const body = (match[3] ?? "").trim();
    if (verb === "add") {
      if (body !== "") out.push({ op: "add", text: body });
      continue;
    }
    const rule = rules[Number(match[2]) - 1];
    if (rule === undefined) continue;
    if (verb === "edit") {
      if (body !== "") out.push({ op: "edit", id: rule.id, text: body });
    } else out.push({ op: verb as "agree" | "remove", id: rule.id });
  }
  return out;
}
