import { InvalidInputError } from "../core/errors.ts";
import { createEngram } from "../engram.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import type { Embedder } from "../models/embedder.ts";
import { benchDatabase } from "./bench-database.ts";
import { LOCOMO_CATEGORIES, type LocomoSample, parseLocomo } from "./locomo-data.ts";
import { clockMs, round } from "./stats.ts";

export interface LocomoBenchOptions {
  /** A parsed LoCoMo-format document. */
  data: unknown;
  /** Cut-offs for recall@k (default 5, 10, 25, 50). */
  ks?: number[];
  onProgress?: (done: number, total: number, phase: string) => void;
  /** Embedding model (as for `createEngram`); by default `ENGRAM_EMBEDDING_MODEL` from `env`, else none. */
  embedder?: Embedder | string | null;
  env?: NodeJS.ProcessEnv;
  /** Only these conversations (their `sample_id`s), e.g. to tune on one and test on another; default all. */
  conversations?: readonly string[] | undefined;
  /** A PostgreSQL server's URL: the bench runs on a fresh schema there (dropped at the end), not SQLite. */
  database?: string | undefined;
}

export interface LocomoBenchResult {
  /** Recall in percent, by k, overall and per category. */
  recall: Record<string, Record<string, number>>;
  questions: number;
  conversations: number;
  turns: number;
  ingestSeconds: number;
  querySeconds: number;
  embeddingModel: string | null;
  /** The backend measured. */
  store: "sqlite" | "postgres";
}

/**
 * LoCoMo retrieval recall (the paper's metric): every conversation is ingested as messages (speaker,
 * session time, the turn's `dia_id` as provenance, image captions as metadata) into a fresh
 * temporary database, one agent per conversation; each question with evidence is searched over the
 * messages, and recall@k is the share of its evidence turns among the top k, averaged over questions.
 */
export async function runLocomoBench(options: LocomoBenchOptions): Promise<LocomoBenchResult> {
  const samples = pickConversations(parseLocomo(options.data), options.conversations);
  const ks = [...new Set(options.ks ?? [5, 10, 25, 50])].sort((a, b) => a - b);
  const maxK = ks.at(-1) ?? 10;
  const fresh = benchDatabase("locomo", options.database);
  const engram = createEngram({
    database: fresh.database,
    ...(options.embedder === undefined ? {} : { embedder: options.embedder }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const sums = new Map<number, Map<string, { total: number; count: number }>>();
  let turns = 0;
  let questions = 0;
  let ingestMs = 0;
  let queryMs = 0;
  try {
    const totalQuestions = samples.reduce((n, s) => n + s.questions.length, 0);
    for (const [i, sample] of samples.entries()) {
      const start = clockMs();
      const agent = await engram.agents.create({ name: `locomo ${sample.id}` });
      const inputs = toMessages(sample);
      for (let j = 0; j < inputs.length; j += 500)
        await engram.messages.appendMany(agent.id, inputs.slice(j, j + 500));
      turns += inputs.length;
      ingestMs += clockMs() - start;
      options.onProgress?.(i + 1, samples.length, "ingest");
      const queryStart = clockMs();
      for (const qa of sample.questions) {
        const { results } = await engram.search(agent.id, {
          query: qa.question,
          sources: ["messages"],
          k: maxK,
          candidates: Math.max(100, maxK),
          // Recency relative to today means nothing for a dated corpus, and distinct turns may repeat words.
          weights: { recency: 0 },
          dedupeThreshold: 1,
          recordAccess: false,
        });
        const category = LOCOMO_CATEGORIES[qa.category] ?? `category-${qa.category}`;
        for (const k of ks) {
          const found = new Set(results.slice(0, k).flatMap((r) => r.message?.provenance.externalIds ?? []));
          const recall = qa.evidence.filter((id) => found.has(id)).length / qa.evidence.length;
          const byCategory = sums.get(k) ?? new Map();
          for (const key of ["overall", category]) {
            const entry = byCategory.get(key) ?? { total: 0, count: 0 };
            entry.total += recall;
            entry.count += 1;
            byCategory.set(key, entry);
          }
          sums.set(k, byCategory);
        }
        questions++;
        options.onProgress?.(questions, totalQuestions, "query");
      }
      queryMs += clockMs() - queryStart;
    }
    const recall: Record<string, Record<string, number>> = {};
    for (const k of ks) {
      const byCategory = sums.get(k) ?? new Map<string, { total: number; count: number }>();
      recall[String(k)] = Object.fromEntries(
        [...byCategory].map(([key, { total, count }]) => [key, round((100 * total) / count, 1)]),
      );
    }
    return {
      recall,
      questions,
      conversations: samples.length,
      turns,
      ingestSeconds: round(ingestMs / 1000),
      querySeconds: round(queryMs / 1000),
      embeddingModel: engram.embeddingModel,
      store: fresh.kind,
    };
  } finally {
    await engram.close();
    await fresh.drop();
  }
}

/**
 * The samples named, in the file's order.
 * @throws InvalidInputError naming the conversation when a name is not in the data.
 */
function pickConversations(samples: LocomoSample[], names: readonly string[] | undefined): LocomoSample[] {
  if (names === undefined) return samples;
  const known = new Set(samples.map((s) => s.id));
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined)
    throw new InvalidInputError(
      `conversations: "${unknown}" is not in the LoCoMo data (it has ${[...known].join(", ")})`,
    );
  return samples.filter((s) => names.includes(s.id));
}

/** A conversation's turns as messages, in order, each session's turns a second apart. */
function toMessages(sample: LocomoSample): MessageInput[] {
  const out: MessageInput[] = [];
  let fallback = Date.UTC(2000, 0, 1);
  for (const session of sample.sessions) {
    const base = session.time === null ? fallback : Date.parse(session.time);
    session.turns.forEach((turn, t) => {
      out.push({
        role: turn.speaker === sample.speakers[1] ? "assistant" : "user",
        name: turn.speaker,
        sessionId: `session-${session.index}`,
        content: turn.text,
        createdAt: new Date(base + t * 1000).toISOString(),
        provenance: { externalIds: [turn.diaId] },
        metadata: { session: session.index, ...(turn.caption === null ? {} : { caption: turn.caption }) },
      });
    });
    fallback = base + 86_400_000;
  }
  return out;
}

export function formatLocomoBench(r: LocomoBenchResult): string {
  const ks = Object.keys(r.recall);
  const categories = ["overall", ...Object.values(LOCOMO_CATEGORIES)];
  const header = `${"".padEnd(13)}${ks.map((k) => `R@${k}`.padStart(8)).join("")}`;
  const rows = categories
    .filter((c) => ks.some((k) => r.recall[k]?.[c] !== undefined))
    .map((c) => `${c.padEnd(13)}${ks.map((k) => String(r.recall[k]?.[c] ?? "-").padStart(8)).join("")}`);
  return [
    `engram bench locomo — ${r.conversations} conversations, ${r.turns} turns, ${r.questions} questions with evidence`,
    `retrieval on ${r.store === "postgres" ? "PostgreSQL" : "SQLite"}: ${r.embeddingModel === null ? "lexical (no embedding model)" : `hybrid with ${r.embeddingModel}`}`,
    header,
    ...rows,
    `ingest ${r.ingestSeconds} s, queries ${r.querySeconds} s`,
  ].join("\n");
}
