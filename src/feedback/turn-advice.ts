import type { SimilarRecord } from "../experience/observation-index.ts";
import { actionAvailable } from "./turn-step.ts";

/** How similar an earlier message must be (Jaccard of words and word pairs) for its advice to count. */
export const ADVICE_MIN_SIMILARITY = 0.25;

/** Advice from one earlier, similar message: its similarity and the actions feedback favoured. */
export interface TurnAdviceItem {
  recordId: string;
  similarity: number;
  visits: number;
  encouraged: { action: string; q: number }[];
  discouraged: { action: string; q: number }[];
}

export interface TurnAdvice {
  items: TurnAdviceItem[];
  /** Rememberer's format, without the earlier messages' words; empty when there is no advice. */
  text: string;
}

const formatQ = (q: number) => (Math.round(q * 1000) / 1000).toString();
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Advice for answering a message from the records of similar earlier ones: per record the action
 * with the highest Q when it is positive (encouraged) and the one with the lowest when negative
 * (discouraged), among the actions the agent can still take. The text names only actions and
 * similarities, never the earlier messages: they may be another user's words.
 */
export function turnAdvice(similar: readonly SimilarRecord[], tools: readonly string[]): TurnAdvice {
  const available = new Set(tools);
  const items: TurnAdviceItem[] = [];
  for (const { record, similarity } of similar) {
    const actions = record.actions
      .filter((a) => actionAvailable(a.action, available))
      .sort((a, b) => b.q - a.q || b.visits - a.visits || (a.action < b.action ? -1 : 1));
    const best = actions[0];
    const worst = actions.at(-1);
    const encouraged = best !== undefined && best.q > 0 ? [{ action: best.action, q: best.q }] : [];
    const discouraged = worst !== undefined && worst.q < 0 ? [{ action: worst.action, q: worst.q }] : [];
    if (encouraged.length + discouraged.length === 0) continue;
    items.push({
      recordId: record.id,
      similarity: round(similarity),
      visits: record.visits,
      encouraged,
      discouraged,
    });
  }
  return { items, text: renderTurnAdvice(items) };
}

export function renderTurnAdvice(items: readonly TurnAdviceItem[]): string {
  if (items.length === 0) return "";
  const blocks = items.map((item) =>
    [
      `Task: answer a message like this one (similarity ${item.similarity})`,
      "Encouraged:",
      ...item.encouraged.map((e) => `${e.action} -> ${formatQ(e.q)}`),
      "Discouraged:",
      ...item.discouraged.map((d) => `${d.action} -> ${formatQ(d.q)}`),
    ].join("\n"),
  );
  return [
    "<action_advice>",
    "Learned from feedback on earlier answers to messages like this one: the action that went well",
    "(encouraged) and the one that went badly (discouraged), with its value. An action is `answer`",
    "(answering directly) or the tools called (`tool:NAME`).",
    blocks.join("\n\n"),
    "</action_advice>",
  ].join("\n");
}
