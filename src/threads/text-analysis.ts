import type { GraphFacts } from "../core/graph-types.ts";
import { joinedTerms } from "../core/text.ts";
import { extractEntities } from "../graph/entity-extractor.ts";
import type { TaskName, TaskOutput } from "./helper-tasks.ts";
import { startOnThread, type ThreadTask } from "./helper-thread.ts";

/** Smaller batches are analysed inline: handing them to the thread costs about what they do. */
const THREAD_MIN_TEXTS = 32;

/**
 * The analyses of a batch of texts, started on the helper thread when the batch is large enough:
 * their index terms, then the entities they name (two tasks, in the order a write needs them). A
 * write starts them first, prepares and writes its rows meanwhile, and asks for each only when it
 * writes the rows that need it. `text` is the text the caller holds: when it is not the one
 * analysed (the write changed it), it is analysed here. Both wait (synchronously) for the thread
 * if need be.
 */
export interface TextAnalyses {
  /** Text `i`'s index terms joined by single spaces (`joinedTerms`). */
  terms(i: number, text: string): string;
  /** The entities text `i` names (`extractEntities`). */
  facts(i: number, text: string): GraphFacts;
  /**
   * Resolves once both tasks are done, without blocking the event loop meanwhile (for a writer that
   * can wait before its transaction, as PostgreSQL's, rather than inside it).
   */
  settled(): Promise<void>;
}

export function analyseTexts(texts: readonly string[]): TextAnalyses {
  const onThread = texts.length >= THREAD_MIN_TEXTS;
  const terms = new Results(texts, "indexTerms", joinedTerms, onThread);
  const facts = new Results(texts, "entities", (text) => extractEntities(text), onThread);
  return {
    terms: (i, text) => terms.at(i, text),
    facts: (i, text) => facts.at(i, text),
    settled: async () => {
      await Promise.all([terms.settle(), facts.settle()]);
    },
  };
}

/** One kind of result for the batch: from the thread, or (without it, or if it failed) computed here on first use. */
class Results<N extends "indexTerms" | "entities", T extends TaskOutput<N>[number]> {
  readonly #texts: readonly string[];
  readonly #compute: (text: string) => T;
  readonly #task: ThreadTask<TaskOutput<N>> | null;
  #fromThread: readonly T[] | null | undefined;
  readonly #here = new Map<number, T>();

  constructor(texts: readonly string[], name: N & TaskName, compute: (text: string) => T, onThread: boolean) {
    this.#texts = texts;
    this.#compute = compute;
    this.#task = onThread ? startOnThread(name, { texts }) : null;
  }

  /** Takes the thread's results once they are there, without blocking. */
  async settle(): Promise<void> {
    if (this.#task !== null && this.#fromThread === undefined) {
      const results = (await this.#task.settled()) as readonly T[] | null;
      this.#fromThread ??= results;
    }
  }

  at(i: number, text: string): T {
    if (this.#texts[i] !== text) return this.#compute(text);
    if (this.#task !== null && this.#fromThread === undefined)
      this.#fromThread = this.#task.wait() as readonly T[] | null;
    const ready = this.#fromThread?.[i];
    if (ready !== undefined) return ready;
    let result = this.#here.get(i);
    if (result === undefined) {
      result = this.#compute(text);
      this.#here.set(i, result);
    }
    return result;
  }
}
