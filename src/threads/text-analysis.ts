import { analyseText, type TextAnalysis } from "./helper-tasks.ts";
import { startOnThread, type ThreadTask } from "./helper-thread.ts";

export { analyseText, type TextAnalysis } from "./helper-tasks.ts";

/** Smaller batches are analysed inline: handing them to the thread costs about what they do. */
const THREAD_MIN_TEXTS = 32;

/**
 * The analyses of a batch of texts (index terms and named entities), started on the helper thread
 * when the batch is large enough. A write starts them first, prepares and writes its rows
 * meanwhile, and asks for each analysis only when it writes the rows that need it.
 */
export interface TextAnalyses {
  /**
   * The analysis of text `i`, waiting (synchronously) for the thread if need be. `text` is the text
   * the caller holds: when it is not the one analysed (the write changed it), it is analysed here.
   */
  at(i: number, text: string): TextAnalysis;
}

export function analyseTexts(texts: readonly string[]): TextAnalyses {
  const task = texts.length >= THREAD_MIN_TEXTS ? startOnThread("analyseTexts", { texts }) : null;
  return task === null ? inline(texts) : new ThreadAnalyses(task, texts);
}

/** Analyses computed on first use, here. */
function inline(texts: readonly string[]): TextAnalyses {
  const done = new Map<number, TextAnalysis>();
  return {
    at(i, text) {
      if (texts[i] !== text) return analyseText(text);
      let analysis = done.get(i);
      if (analysis === undefined) {
        analysis = analyseText(text);
        done.set(i, analysis);
      }
      return analysis;
    },
  };
}

class ThreadAnalyses implements TextAnalyses {
  readonly #task: ThreadTask<TextAnalysis[]>;
  readonly #texts: readonly string[];
  #results: TextAnalyses | TextAnalysis[] | undefined;

  constructor(task: ThreadTask<TextAnalysis[]>, texts: readonly string[]) {
    this.#task = task;
    this.#texts = texts;
  }

  at(i: number, text: string): TextAnalysis {
    if (this.#texts[i] !== text) return analyseText(text);
    // The thread's results; if it failed or is gone, the same computed here.
    this.#results ??= this.#task.wait() ?? inline(this.#texts);
    return Array.isArray(this.#results) ? (this.#results[i] as TextAnalysis) : this.#results.at(i, text);
  }
}
