/** Turns texts into vectors. Implementations: AI SDK models, and the deterministic hash embedder. */
export interface Embedder {
  /** A stable name for the model (cache key and the name recorded with stored vectors). */
  readonly id: string;
  /** The texts' vectors, in order (which may be views of one buffer shared by the batch). */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * Optional, for embedders that compute in this process: starts embedding `texts` on another
   * thread and returns at once. A write then prepares its rows while the vectors are computed, and
   * waits for them (synchronously, inside its transaction) only when it stores them.
   */
  start?(texts: readonly string[]): EmbeddingJob;
}

/** Vectors being computed on another thread. */
export interface EmbeddingJob {
  /**
   * The vectors, in the order of the texts, blocking the calling thread until they are ready. They
   * may be views of one buffer shared by the batch: copy one to keep it apart.
   * @throws EngramError when the computation failed or did not finish in time.
   */
  wait(): Float32Array[];
}
