import { countTokens } from "gpt-tokenizer/encoding/o200k_base";

/** Tokens a chat format spends around each message (role and separators), as OpenAI's formats do. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** Special-token text in memory or messages is ordinary text here, never a control token. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Counts tokens with a real BPE tokenizer (o200k_base, the encoding of OpenAI's current models; for
 * other model families the count is an approximation, which the budget's margin absorbs). Counts are
 * cached: by id for immutable things (messages), and by the text itself for the rest, so a turn does
 * not re-tokenize history it has seen.
 */
export class TokenCounter {
  readonly #byKey = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity = 50_000) {
    this.#capacity = capacity;
  }

  /** Tokens in `text`. */
  count(text: string): number {
    if (text === "") return 0;
    // Long texts are keyed by themselves only up to a point: hashing a huge key costs little, but
    // keeping many of them would hold much memory; past 20,000 characters count afresh.
    if (text.length > 20_000) return countTokens(text, AS_TEXT);
    return this.#cached(`t:${text}`, () => countTokens(text, AS_TEXT));
  }

  /**
   * Tokens of a text counted line by line, each line cached: a section of the prompt that changes
   * in one place (a block edited, another memory retrieved) re-tokenizes only the lines that changed.
   * Within a few tokens of counting the text whole (a newline rarely merges with its neighbours).
   */
  countLines(text: string): number {
    if (text === "") return 0;
    let total = 0;
    let start = 0;
    for (;;) {
      const end = text.indexOf("\n", start);
      total += this.count(end < 0 ? text.slice(start) : text.slice(start, end));
      if (end < 0) return total;
      total += 1;
      start = end + 1;
    }
  }

  /** Tokens of an immutable item known by id (e.g. a message), computed once. */
  countById(id: string, text: () => string): number {
    return this.#cached(`i:${id}`, () => countTokens(text(), AS_TEXT));
  }

  #cached(key: string, compute: () => number): number {
    const hit = this.#byKey.get(key);
    if (hit !== undefined) {
      // Refresh its place, so the map evicts the least recently used first.
      this.#byKey.delete(key);
      this.#byKey.set(key, hit);
      return hit;
    }
    const value = compute();
    this.#byKey.set(key, value);
    if (this.#byKey.size > this.#capacity) {
      const oldest = this.#byKey.keys().next().value;
      if (oldest !== undefined) this.#byKey.delete(oldest);
    }
    return value;
  }
}
