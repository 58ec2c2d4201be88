import { InvalidInputError } from "../core/errors.ts";

/** Entries an engine keeps by default: 1,000 384-dimension vectors are 1.5 MB. */
export const EMBEDDING_LRU_CAPACITY = 1000;

/**
 * The most recently used embeddings of one engine, by content hash, in memory only. Query
 * embeddings live here rather than in the database, so that a search never writes; a text embedded
 * for a write (or for a duplicate check just before it) is found here too. Once `capacity` entries
 * are held, each new one evicts the least recently used.
 */
export class EmbeddingLru {
  readonly capacity: number;
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  readonly #entries = new Map<string, Float32Array>();

  constructor(capacity = EMBEDDING_LRU_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new InvalidInputError(`embedding cache capacity ${capacity} is not a whole number`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The vector for a hash, marked as just used; undefined when not held. */
  get(hash: string): Float32Array | undefined {
    const vector = this.#entries.get(hash);
    if (vector !== undefined) {
      this.#entries.delete(hash);
      this.#entries.set(hash, vector);
    }
    return vector;
  }

  set(hash: string, vector: Float32Array): void {
    if (this.capacity === 0) return;
    this.#entries.delete(hash);
    this.#entries.set(hash, vector);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
