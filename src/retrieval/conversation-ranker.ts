import { indexTerms, isIndexed, stem, tokenize } from "../core/text.ts";
import type { Message } from "../core/types.ts";
import { speakerOf } from "../store/rows/message-fields.ts";
import type { MessageFilter, MessageWeights, Store } from "../store/store.ts";
import { POSTING_BUDGET } from "../store/term-choice.ts";
import { MAX_QUERY_TERMS } from "./query-terms.ts";
import { isQuestion, questionShare } from "./question-share.ts";

/**
 * Defaults of conversation search. Chosen on development conversations and checked across them
 * (tuned on one, tested on another): see docs/retrieval.md.
 */
export const CONVERSATION_DEFAULTS = {
  /** BM25 column weights: the turn, its caption, the turn before, the turn after, two more each side, its date. */
  weights: { text: 1, caption: 0.5, prev: 0.8, next: 0.2, window: 0.1, date: 1 } satisfies MessageWeights,
  /** Pseudo-relevance feedback: expansion terms from the best first-pass turns, and their share. */
  feedback: { weight: 0.2, documents: 5, terms: 10 },
  /** Multiplier bonus for turns by the one speaker a query names. */
  speakerBoost: 0.6,
  /**
   * Questions, when the query asks one: a turn's score is lowered by `weight` × the share of its words
   * in questions (a question holds no answer), and the next turn of its session, by another speaker,
   * gains `answer` × what the question matched × that share × r^`rare`; at most `answered` questions,
   * the best matched, are followed. r is how rare the answer's rarest word is among the agent's
   * messages (ln(N / df) / ln N: 1 for a word no other message says, near 0 for one most say), so
   * that a stock reply ("Let me look into it for you.") takes little of the question's match: it
   * answers nothing. 0 credits every answer alike.
   */
  questions: { weight: 0.8, answer: 0.6, answered: 10, rare: 2 },
  /** Bonus from the strength of the turn's session (sum of its best `top` turns). */
  session: { weight: 0.3, top: 3 },
} as const satisfies ConversationRanking;

/** The constants of conversation search (see CONVERSATION_DEFAULTS). */
export interface ConversationRanking {
  weights: MessageWeights;
  feedback: { weight: number; documents: number; terms: number };
  speakerBoost: number;
  questions: { weight: number; answer: number; answered: number; rare: number };
  session: { weight: number; top: number };
}

export interface RankedMessage {
  message: Message;
  /** First-pass BM25 (higher is better), or null for a turn found only by expansion. */
  bm25: number | null;
  /** The final conversation score. */
  score: number;
}

interface Scored {
  message: Message;
  bm25: number | null;
  score: number;
  order: number;
}

/**
 * Ranks an agent's messages for a question:
 * 1. BM25 over the turn, its caption, its neighbours and its date (per-column weights), normalised;
 * 2. pseudo-relevance feedback: the rarest-yet-shared words of the best turns, searched again, added
 *    with a small weight;
 * 3. when the question names exactly one of the conversation's speakers, that speaker's turns are
 *    boosted (names come from the messages themselves, never from a list);
 * 4. when the query asks a question, words in the turns' questions count less, and a question's
 *    answer (the next turn) gains from its match, as much as its words are rare;
 * 5. each turn gains a share of its session's strength (a session of one end user's conversation),
 *    so a session about the topic lifts its turns.
 */
export async function rankMessages(
  store: Store,
  filter: MessageFilter,
  query: string,
  limit: number,
  defaults: ConversationRanking = CONVERSATION_DEFAULTS,
): Promise<RankedMessage[]> {
  const speakers = new Map<string, string>();
  // A search for one end user knows the speakers of that user's conversations, never another's.
  for (const name of await store.messages.speakers(filter.agentId, filter.userId)) {
    const first = tokenize(name)[0];
    if (first !== undefined) speakers.set(first, name);
  }
  const named = new Set<string>();
  const terms: string[] = [];
  const names: string[] = [];
  const addTerm = (token: string) => {
    const term = stem(token);
    if (!terms.includes(term) && terms.length < MAX_QUERY_TERMS) terms.push(term);
  };
  for (const token of tokenize(query.slice(0, 20_000))) {
    const speaker = [...speakers.keys()].find(
      (s) => s === token || (token.length >= 3 && s.startsWith(token)),
    );
    if (speaker !== undefined) {
      named.add(speaker);
      if (isIndexed(token)) names.push(token);
      continue;
    }
    if (!isIndexed(token)) continue;
    addTerm(token);
    if (terms.length >= MAX_QUERY_TERMS) break;
  }
  // A query of speakers' names alone ("Ada") looks for the turns that say them.
  if (terms.length === 0) for (const name of names) addTerm(name);

  const scored = new Map<string, Scored>();
  const first = await store.messages.searchText(filter, { terms, weights: defaults.weights }, limit);
  const top1 = first[0]?.score ?? 0;
  first.forEach((hit, order) => {
    scored.set(hit.item.id, {
      message: hit.item,
      bm25: hit.score,
      score: top1 > 0 ? hit.score / top1 : 0,
      order,
    });
  });

  // Pseudo-relevance feedback over the best first-pass turns.
  if (defaults.feedback.weight > 0 && first.length > 0) {
    const best = first.slice(0, defaults.feedback.documents);
    const candidates = new Map<string, number[]>();
    best.forEach((hit, i) => {
      for (const term of new Set(indexTerms(withCaption(hit.item)))) {
        if (term.length <= 2 || terms.includes(term) || speakers.has(term)) continue;
        const list = candidates.get(term) ?? [];
        list.push(i);
        candidates.set(term, list);
      }
    });
    const total = await store.messages.countForRanking(filter.agentId);
    const df = await store.messages.documentFrequencies(filter.agentId, [...candidates.keys()]);
    const weighted = [...candidates]
      .flatMap(([term, docs]) => {
        const n = df.get(term) ?? 0;
        // Shared by one turn only, or too common to search: no word about the subject.
        if (n < 2 || n > POSTING_BUDGET) return [];
        const weight = docs.reduce(
          (sum, i) => sum + ((best[i]?.score ?? 0) / (top1 || 1)) * Math.log(total / n),
          0,
        );
        return [{ term, weight }];
      })
      .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
      .slice(0, defaults.feedback.terms);
    if (weighted.length > 0) {
      const second = await store.messages.searchText(
        filter,
        { terms: weighted.map((w) => w.term), weights: defaults.weights },
        limit,
      );
      const top2 = second[0]?.score ?? 0;
      for (const hit of second) {
        const share = top2 > 0 ? (defaults.feedback.weight * hit.score) / top2 : 0;
        const existing = scored.get(hit.item.id);
        if (existing !== undefined) existing.score += share;
        else
          scored.set(hit.item.id, {
            message: hit.item,
            bm25: null,
            score: share,
            order: first.length + scored.size,
          });
      }
    }
  }

  // The one speaker the question is about.
  if (defaults.speakerBoost > 0 && named.size === 1) {
    const speaker = [...named][0];
    for (const entry of scored.values()) {
      if (tokenize(entry.message.name ?? "")[0] === speaker) entry.score *= 1 + defaults.speakerBoost;
    }
  }

  // A question asks rather than tells: its words count less, and its answer — the next turn of the
  // session, by someone else — gains a share of what the question matched.
  // Only for a query that asks: a list of words to find wants the turns that hold them, questions too.
  if ((defaults.questions.weight > 0 || defaults.questions.answer > 0) && isQuestion(query)) {
    const asked: { entry: Scored; share: number }[] = [];
    for (const entry of scored.values()) {
      const asking = questionShare(entry.message.content);
      if (asking === 0) continue;
      asked.push({ entry, share: defaults.questions.answer * entry.score * asking });
      entry.score *= 1 - defaults.questions.weight * asking;
    }
    if (defaults.questions.answer > 0) await creditAnswers(store, filter.agentId, scored, asked, defaults);
  }

  // Session strength: the sum of each session's best turns, relative to the strongest session.
  if (defaults.session.weight > 0) {
    const sessions = new Map<string, number[]>();
    for (const entry of scored.values()) {
      const key = conversationOf(entry.message);
      const list = sessions.get(key) ?? [];
      list.push(entry.score);
      sessions.set(key, list);
    }
    const strength = new Map<string, number>();
    let strongest = 0;
    for (const [key, scores] of sessions) {
      const sum = scores
        .sort((a, b) => b - a)
        .slice(0, defaults.session.top)
        .reduce((a, b) => a + b, 0);
      strength.set(key, sum);
      strongest = Math.max(strongest, sum);
    }
    if (strongest > 0) {
      for (const entry of scored.values()) {
        if (entry.score > 0) {
          entry.score +=
            (defaults.session.weight * (strength.get(conversationOf(entry.message)) ?? 0)) / strongest;
        }
      }
    }
  }

  return [...scored.values()]
    .filter((entry) => entry.score > 0)
    .sort(
      (a, b) =>
        b.score - a.score || b.message.createdAt.localeCompare(a.message.createdAt) || a.order - b.order,
    )
    .slice(0, limit)
    .map(({ message, bm25, score }) => ({ message, bm25, score }));
}

/**
 * Adds to each answered question's next turn in its conversation (its user's and session's, however
 * other conversations' turns came between) its share of the question's match, when that turn is a
 * candidate (so it already passed the search's filters) and is by another speaker, scaled by how
 * rare its words are. Only the best-matched questions are followed, in one read.
 */
async function creditAnswers(
  store: Store,
  agentId: string,
  scored: Map<string, Scored>,
  asked: { entry: Scored; share: number }[],
  defaults: ConversationRanking,
): Promise<void> {
  const followed = asked
    .filter((a) => a.share > 0)
    .sort((a, b) => b.share - a.share)
    .slice(0, defaults.questions.answered);
  if (followed.length === 0) return;
  const next = await store.messages.following(
    agentId,
    followed.map((a) => a.entry.message.id),
  );
  const answers: { answer: Scored; share: number }[] = [];
  for (const { entry, share } of followed) {
    const question = entry.message;
    const reply = next.get(question.id);
    if (reply === undefined) continue;
    if (speakerOf(reply) === speakerOf(question)) continue;
    const answer = scored.get(reply.id);
    if (answer !== undefined) answers.push({ answer, share });
  }
  if (answers.length === 0) return;
  const rarity =
    defaults.questions.rare > 0
      ? await rarestWords(
          store,
          agentId,
          answers.map((a) => a.answer.message),
        )
      : new Map<string, number>();
  for (const { answer, share } of answers) {
    const rare = rarity.get(answer.message.id) ?? 1;
    answer.score += share * rare ** defaults.questions.rare;
  }
}

/** A turn's conversation: its end user's (or none) and session (or none). Two users' "s1" are two. */
function conversationOf(message: Message): string {
  return JSON.stringify([message.userId, message.sessionId]);
}

/** A turn's text with the caption of its image, if it has one. */
function withCaption(message: Message): string {
  const caption = message.metadata.caption;
  return typeof caption === "string" ? `${message.content} ${caption}` : message.content;
}

/**
 * How rare each message's rarest index term is among the agent's messages: ln(N / df) / ln N, where
 * df counts the messages whose own text holds the term (caption terms, which that count leaves out,
 * count as rare). 1 for a word no other message says, 0 for one every message says, and 0 for a
 * message with no index terms at all ("OK.").
 */
async function rarestWords(
  store: Store,
  agentId: string,
  messages: readonly Message[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const total = await store.messages.countForRanking(agentId);
  if (total < 2) return out;
  const terms = new Map(messages.map((m) => [m.id, [...new Set(indexTerms(withCaption(m)))]]));
  const df = await store.messages.documentFrequencies(agentId, [...new Set([...terms.values()].flat())]);
  for (const [id, own] of terms) {
    let rarest = 0;
    for (const term of own) {
      const found = df.get(term) ?? 1;
      // A word too common to search (counted only up to the budget) tells nothing.
      if (found > POSTING_BUDGET) continue;
      const n = Math.min(total, Math.max(1, found));
      rarest = Math.max(rarest, Math.log(total / n) / Math.log(total));
    }
    out.set(id, rarest);
  }
  return out;
}
