import { isIndexed, tokenize } from "../core/text.ts";

/** Words that open an English question when it has no question mark ("what did Ada say"). */
const QUESTION_OPENERS: ReadonlySet<string> = new Set(
  "what when where who whom whose why how which do does did is are was were can could would will should has have had".split(
    " ",
  ),
);

/**
 * Whether a search query asks a question (a sentence ending in `?`, or a first word such as "what"
 * or "did") rather than listing words to find: a question wants the turn that answers it.
 */
export function isQuestion(query: string): boolean {
  if (/\?["'”’)\]]*(\s|$)/.test(query)) return true;
  const first = tokenize(query.slice(0, 200))[0];
  return first !== undefined && QUESTION_OPENERS.has(first);
}

/** Sentences end at `.`, `!` or `?` followed by white space. */
const SENTENCE_END = /(?<=[.!?])\s+/;
/** A sentence that asks ends with a question mark (perhaps inside closing quotes or brackets). */
const ASKS = /\?["'”’)\]]*\s*$/;

/**
 * The share of a text's index terms (words other than stop words) that stand in questions, in
 * [0, 1]: 1 for "Do you still paint?", 0 for "I painted a horse.", 0.5 for "I painted a horse. Do
 * you paint?". A question names what it asks about but holds no answer, so conversation search
 * weighs its words less than a statement's and passes part of its match to the turn that answers it.
 */
export function questionShare(text: string): number {
  // Most turns ask nothing: they need no sentence splitting and no analysis.
  if (!text.includes("?")) return 0;
  let terms = 0;
  let asking = 0;
  for (const sentence of text.split(SENTENCE_END)) {
    const n = termCount(sentence);
    terms += n;
    if (ASKS.test(sentence)) asking += n;
  }
  return terms === 0 ? 0 : asking / terms;
}

/** How many index terms a text has (as `indexTerms(text).length`, without stemming them). */
function termCount(text: string): number {
  let n = 0;
  for (const token of tokenize(text)) if (isIndexed(token)) n++;
  return n;
}
