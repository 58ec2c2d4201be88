import { lazyModule } from "../core/lazy-module.ts";

/** The o200k_base encoding, loaded with the first count: importing it takes longer than the rest of a short command. */
const o200k = lazyModule<typeof import("gpt-tokenizer/encoding/o200k_base")>(
  import.meta.resolve("gpt-tokenizer/encoding/o200k_base"),
);

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
  readonly #byText: RecentCache;
  readonly #byId: RecentCache;

  /** Each cache keeps at least the `capacity` most recently used counts (and at most twice that). */
  constructor(capacity = 50_000) {
    this.#byText = new RecentCache(capacity);
    this.#byId = new RecentCache(capacity);
  }

  /** Tokens in `text`. */
  count(text: string): number {
    if (text === "") return 0;
    // Long texts are keyed by themselves only up to a point: hashing a huge key costs little, but
    // keeping many of them would hold much memory; past 20,000 characters count afresh.
    if (text.length > 20_000) return o200k().countTokens(text, AS_TEXT);
    const hit = this.#byText.get(text);
    if (hit !== undefined) return hit;
    const value = o200k().countTokens(text, AS_TEXT);
    // A slice of a larger string may keep all of it alive: the cache keeps its own copy.
    this.#byText.set(detached(text), value);
    return value;
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
    const hit = this.#byId.get(id);
    if (hit !== undefined) return hit;
    const value = o200k().countTokens(text(), AS_TEXT);
    this.#byId.set(id, value);
    return value;
  }
}

/**
 * A cache that forgets what has not been used lately, in two generations: entries go into the young
 * one, an entry found in the old one moves back into the young, and when the young one is full it
 * becomes the old one and the old one is dropped. A hit costs one lookup and changes nothing, unlike
 * a strict LRU's delete and re-insert on every hit, which keeps a large map churning.
 */
class RecentCache {
  readonly #capacity: number;
  #young = new Map<string, number>();
  #old = new Map<string, number>();

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  get(key: string): number | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: number): void {
    this.#young.set(key, value);
    if (this.#young.size >= this.#capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}

/** A copy of `text` that shares no storage with the string it may have been sliced from. */
function detached(text: string): string {
  return Buffer.from(text, "utf16le").toString("utf16le");
}
