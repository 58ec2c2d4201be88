import type { ActionStats, ExperienceRecord } from "../core/types.ts";
import type { ExperienceTable } from "./experience-table.ts";

/**
 * How to pick an action to try when no action of a record has a positive Q: `least-tried`, the first
 * available action the record has not tried, else its least tried one; `first-untried`, the first
 * available action it has not tried, else none; `none`, no pick.
 */
export type ExplorationRule = "least-tried" | "first-untried" | "none";

export interface AdviceItem {
  recordId: string;
  task: string;
  observation: string;
  similarity: number;
  visits: number;
  encouraged: { action: string; q: number; exploratory: boolean }[];
  discouraged: { action: string; q: number }[];
  /** The action history of the best episode that visited this record. */
  bestHistory: string[];
}

export interface Advice {
  items: AdviceItem[];
  /** Rememberer's text format, one block per record, ready to put in a prompt. */
  text: string;
}

/**
 * Action advice from the k most similar records: per record the encouraged action (highest Q; when
 * no Q is positive, an exploratory pick by `exploration`) and the discouraged one (lowest Q, if ≤ 0).
 * Only actions in `availableActions` are advised when it is given.
 */
export function advise(
  table: ExperienceTable,
  query: { task: string; observation: string; availableActions?: readonly string[] | undefined; k: number },
  exploration: ExplorationRule = "least-tried",
): Advice {
  const allowed = query.availableActions === undefined ? undefined : new Set(query.availableActions);
  const items = table
    .nearest(query.task, query.observation, query.k)
    .map(({ record, similarity }) =>
      adviceFor(record, similarity, allowed, query.availableActions, exploration),
    );
  return { items, text: items.map(renderItem).join("\n\n") };
}

function adviceFor(
  record: ExperienceRecord,
  similarity: number,
  allowed: Set<string> | undefined,
  available: readonly string[] | undefined,
  exploration: ExplorationRule,
): AdviceItem {
  const actions = record.actions.filter((a) => allowed === undefined || allowed.has(a.action));
  const byQ = [...actions].sort((a, b) => b.q - a.q || b.visits - a.visits || (a.action < b.action ? -1 : 1));
  const best = byQ[0];
  const encouraged: AdviceItem["encouraged"] = [];
  if (best !== undefined && best.q > 0) {
    encouraged.push({ action: best.action, q: best.q, exploratory: false });
  } else if (exploration !== "none") {
    const pick = explore(actions, available, exploration);
    if (pick !== undefined) encouraged.push({ action: pick.action, q: pick.q, exploratory: true });
  }
  const worst = byQ.at(-1);
  const discouraged =
    worst !== undefined && worst.q <= 0 && !encouraged.some((e) => e.action === worst.action)
      ? [{ action: worst.action, q: worst.q }]
      : [];
  return {
    recordId: record.id,
    task: record.task,
    observation: record.observation,
    similarity,
    visits: record.visits,
    encouraged,
    discouraged,
    bestHistory: record.bestHistory,
  };
}

function explore(
  actions: readonly ActionStats[],
  available: readonly string[] | undefined,
  rule: ExplorationRule,
): { action: string; q: number } | undefined {
  const tried = new Map(actions.map((a) => [a.action, a]));
  const untried = (available ?? []).find((a) => !tried.has(a));
  if (untried !== undefined) return { action: untried, q: 0 };
  if (rule === "first-untried") return undefined;
  const least = [...actions].sort((a, b) => a.visits - b.visits || b.q - a.q)[0];
  return least === undefined ? undefined : { action: least.action, q: least.q };
}

const formatQ = (q: number) => (Math.round(q * 1000) / 1000).toString();

function renderItem(item: AdviceItem): string {
  return [
    `Task: ${item.task}`,
    `Observation: ${item.observation}`,
    "Encouraged:",
    ...item.encouraged.map((e) => `${e.action} -> ${formatQ(e.q)}`),
    "Discouraged:",
    ...item.discouraged.map((d) => `${d.action} -> ${formatQ(d.q)}`),
  ].join("\n");
}
