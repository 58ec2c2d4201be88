import { EngramError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import type { Embedder } from "../models/embedder.ts";
import type {
  PendingVectorSearch,
  Store,
  VectorHit,
  VectorItem,
  VectorItems,
  VectorSpace,
} from "../store/store.ts";
import type { UnitOfWork } from "../store/unit-of-work.ts";
import { EmbeddingLru } from "./embedding-lru.ts";

const MODEL_KEY = "vectors.model";

/**
 * Items' vectors made ready for their write: stored by `storeWith` in the unit of work that writes
 * the items, so that both commit together. When embedding failed, there are no vectors and a
 * warning says so (the items are still written, and found by text until a reindex embeds them).
 */
export interface ItemVectors {
  space: VectorSpace;
  agentId: string;
  /**
   * The vectors, or (from an embedder that computes on another thread) a wait for them that the
   * unit of work runs when it stores them. A failure then leaves the items without vectors and adds
   * its warning to `warnings`, which is read once the unit has committed.
   */
  items: VectorItems;
  warnings: string[];
}

/** Adds the vectors to the unit of work that writes their items (nothing when there are none). */
export function storeWith(work: UnitOfWork, vectors: ItemVectors): void {
  if (typeof vectors.items === "function" || vectors.items.length > 0)
    work.vectors.upsert(vectors.space, vectors.agentId, vectors.items);
}

/** A query's embedding, or null when vectors are unavailable (with a warning when that is a failure). */
export interface QueryVector {
  vector: Float32Array | null;
  warning: string | null;
}

/** A vector search begun early (see `VectorIndex.startSearch`). */
export interface PendingSearch {
  result(): Promise<{ hits: VectorHit[] | null; warning: string | null }>;
  cancel(): void;
}

const skipped = (error: unknown) => `vector search skipped: ${(error as Error).message}`;

/** A store's hits (none without a vector store), or null with a warning when the store failed. */
async function found(
  search: () => Promise<VectorHit[]> | undefined,
): Promise<{ hits: VectorHit[] | null; warning: string | null }> {
  try {
    return { hits: (await search()) ?? [], warning: null };
  } catch (error) {
    return { hits: null, warning: skipped(error) };
  }
}

/**
 * Embeds memories and messages and keeps their vectors, when an embedding model is configured and
 * the store has vectors. An item's vector is stored once, in the vector table, and only while it
 * matches the item's text (changing the text drops it, for `backfill` to re-embed). Recent
 * embeddings, queries' included, are held in memory by content hash (see {@link EmbeddingLru}):
 * a repeated query or text is embedded once, and a search never writes to the database.
 */
export class VectorIndex {
  readonly #store: Store;
  readonly #embedder: Embedder | null;
  readonly #recent: EmbeddingLru;
  #ready: Promise<void> | null = null;
  /** The model's dimension, learnt by `ready()`. */
  #dimensions = 0;

  constructor(store: Store, embedder: Embedder | null, recent = new EmbeddingLru()) {
    this.#store = store;
    this.#embedder = embedder;
    this.#recent = recent;
  }

  /**
   * Whether vector search is in use. A store that opens in the background (PostgreSQL) knows whether
   * it has vectors only once open: this is settled after `ready()`, which every method awaits first.
   */
  get enabled(): boolean {
    return this.#embedder !== null && this.#store.vectors !== null;
  }

  get model(): string | null {
    return this.#embedder?.id ?? null;
  }

  /**
   * Checks the configured model against the stored vectors (embedding one probe text to learn its
   * dimension). @throws EngramError when the model or its dimension differs from what is stored.
   */
  ready(): Promise<void> {
    if (this.#embedder === null) return Promise.resolve();
    this.#ready ??= this.#check().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  async #check(): Promise<void> {
    const embedder = this.#embedder as Embedder;
    await this.#store.ready();
    const vectors = this.#store.vectors;
    if (vectors === null) return;
    const storedModel = await this.#store.settings.get(MODEL_KEY);
    if (storedModel !== null && storedModel !== embedder.id) {
      throw new EngramError(
        "invalid_input",
        `the database's vectors were made by embedding model ${storedModel}, but ${embedder.id} is configured: configure ${storedModel}, or re-embed everything with \`engram memory reindex --rebuild\``,
      );
    }
    // Uncached: the point is to ask the model as it is now.
    const [probe] = await embedder.embed(["engram dimension probe"]);
    if (probe === undefined || probe.length === 0) {
      throw new EngramError("unavailable", `embedding model ${embedder.id} returned no vector`);
    }
    this.#dimensions = (probe as Float32Array).length;
    await vectors.initialise(this.#dimensions);
    if (storedModel === null) await this.#store.settings.set(MODEL_KEY, embedder.id);
  }

  /**
   * Embeds items about to be written, for `storeWith` to store in the same unit of work. Never
   * throws: a failure is a warning, and the items are written without vectors.
   */
  async embedFor(
    space: VectorSpace,
    agentId: string,
    items: readonly { id: string; text: string }[],
  ): Promise<ItemVectors> {
    const none = (warnings: string[]): ItemVectors => ({ space, agentId, items: [], warnings });
    if (this.#embedder === null || items.length === 0) return none([]);
    const texts = items.map((i) => i.text);
    const paired = (embedded: readonly Float32Array[]): VectorItem[] => {
      if (embedded.length !== items.length)
        throw new EngramError(
          "unavailable",
          `embedding model ${this.model} returned ${embedded.length} vectors for ${items.length} texts`,
        );
      const wrong = embedded.find((vector) => vector.length !== this.#dimensions);
      if (wrong !== undefined)
        throw new EngramError(
          "unavailable",
          `embedding model ${this.model} returned a ${wrong.length}-dimension vector, not ${this.#dimensions}`,
        );
      return items.map((item, i) => ({ id: item.id, vector: embedded[i] as Float32Array }));
    };
    try {
      await this.ready();
      if (!this.enabled) return none([]);
      const model = this.#model;
      if (model.start === undefined) {
        return { space, agentId, items: paired(await this.#embedCached(texts)), warnings: [] };
      }
      // Computed on another thread while the caller prepares its write; waited for when stored.
      // Not looked up in memory: such a model computes a vector in about the time that takes.
      const job = model.start(texts);
      const warnings: string[] = [];
      let stored: VectorItem[] | null = null;
      const wait = (): VectorItem[] => {
        if (stored !== null) return stored;
        try {
          stored = paired(job.wait());
        } catch (error) {
          warnings.push(notStored(error));
          stored = [];
        }
        return stored;
      };
      return { space, agentId, items: wait, warnings };
    } catch (error) {
      return none([notStored(error)]);
    }
  }

  /**
   * Forgets every stored vector and the model that made them (see `VectorStore.reset`), so that the
   * configured model starts afresh at the next `ready()`.
   */
  async reset(): Promise<void> {
    await this.#store.vectors?.reset();
    this.#recent.clear();
    this.#ready = null;
  }

  /** The model the stored vectors were made by, or null before any were stored. */
  storedModel(): Promise<string | null> {
    return this.#store.settings.get(MODEL_KEY);
  }

  /**
   * Starts embedding a query for searches to come (give the result to `search`), so that a model
   * behind an API is called while the caller does other work, and once for all of them. Never
   * rejects: `vector` is null when vectors are unavailable, with a warning when that is a failure.
   */
  async embedQuery(query: string): Promise<QueryVector> {
    if (this.#embedder === null) return { vector: null, warning: null };
    try {
      await this.ready();
      if (!this.enabled) return { vector: null, warning: null };
      const [vector] = await this.#embedCached([query]);
      return { vector: vector as Float32Array, warning: null };
    } catch (error) {
      return { vector: null, warning: skipped(error) };
    }
  }

  /**
   * Nearest neighbours of a query text (or of its embedding, from `embedQuery`), or null (with a
   * warning) when vectors are unavailable.
   */
  async search(
    space: VectorSpace,
    agentId: string,
    query: string | Promise<QueryVector>,
    k: number,
  ): Promise<{ hits: VectorHit[] | null; warning: string | null }> {
    const { vector, warning } = await (typeof query === "string" ? this.embedQuery(query) : query);
    if (vector === null) return { hits: null, warning };
    return found(() => this.#store.vectors?.search(space, agentId, vector, k));
  }

  /**
   * `search` of an embedding already made, begun now and finished by `result` (see
   * `VectorStore.startSearch`): a backend that can work on it meanwhile does. Finish or cancel it.
   */
  startSearch(space: VectorSpace, agentId: string, vector: Float32Array, k: number): PendingSearch {
    const store = this.#store.vectors;
    let pending: PendingVectorSearch | null = null;
    try {
      pending = store?.startSearch?.(space, agentId, vector, k) ?? null;
    } catch {
      pending = null;
    }
    return {
      result: () =>
        found(() => (pending === null ? store?.search(space, agentId, vector, k) : pending.result())),
      cancel: () => pending?.cancel(),
    };
  }

  /** Embeds the agent's items that have no vector yet (at most `maxItems`); returns how many were embedded. */
  async backfill(
    space: VectorSpace,
    agentId: string,
    texts: (ids: string[]) => Promise<Map<string, string>>,
    onBatch?: (embedded: number) => void,
    maxItems = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    if (this.#embedder === null) return 0;
    await this.ready();
    if (!this.enabled) return 0;
    let total = 0;
    for (;;) {
      const batch = Math.min(256, maxItems - total);
      if (batch <= 0) return total;
      const ids = (await this.#store.vectors?.missing(space, agentId, batch)) ?? [];
      if (ids.length === 0) return total;
      const byId = await texts(ids);
      const items = ids.flatMap((id) => {
        const text = byId.get(id);
        return text === undefined ? [] : [{ id, text }];
      });
      if (items.length === 0) return total;
      const embedded = await this.#embedCached(items.map((i) => i.text));
      await this.#store.vectors?.upsert(
        space,
        agentId,
        items.map((item, i) => ({ id: item.id, vector: embedded[i] as Float32Array })),
      );
      total += items.length;
      onBatch?.(total);
    }
  }

  /** Embeddings of texts (cached by content), or null when no model is configured or it fails. */
  async embed(texts: readonly string[]): Promise<Float32Array[] | null> {
    if (this.#embedder === null || texts.length === 0) return null;
    try {
      return await this.#embedCached(texts);
    } catch {
      return null;
    }
  }

  /** Embeddings of texts: from memory when recently embedded, else from the model (one call). */
  async #embedCached(texts: readonly string[]): Promise<Float32Array[]> {
    const lookup = this.#lookup(texts);
    return lookup.complete(lookup.todo.length > 0 ? await this.#model.embed(lookup.todo) : []);
  }

  get #model(): Embedder {
    return this.#embedder as Embedder;
  }

  /**
   * The texts' recent embeddings, and the distinct texts still to embed (`todo`); `complete` takes
   * the model's vectors for those, in order, keeps them, and returns every text's embedding.
   */
  #lookup(texts: readonly string[]) {
    const hashes = texts.map((t) => sha256(t));
    const found = new Map<string, Float32Array>();
    for (const hash of hashes) {
      const vector = this.#recent.get(hash);
      if (vector !== undefined) found.set(hash, vector);
    }
    const missing = [...new Set(hashes.filter((h) => !found.has(h)))];
    const textOf = new Map(hashes.map((h, i) => [h, texts[i] as string]));
    const complete = (fresh: readonly Float32Array[]): Float32Array[] => {
      if (fresh.length !== missing.length)
        throw new EngramError(
          "unavailable",
          `embedding model ${this.#model.id} returned ${fresh.length} vectors for ${missing.length} texts`,
        );
      missing.forEach((hash, i) => {
        const vector = fresh[i] as Float32Array;
        found.set(hash, vector);
        // A copy of a view into a batch's buffer, which it would otherwise keep alive.
        this.#recent.set(hash, vector.byteLength < vector.buffer.byteLength ? vector.slice() : vector);
      });
      return hashes.map((h) => found.get(h) as Float32Array);
    };
    return { todo: missing.map((h) => textOf.get(h) as string), complete };
  }
}

function notStored(error: unknown): string {
  return `vectors not stored (${(error as Error).message}); these items are found by text search until \`engram memory reindex\` embeds them`;
}
