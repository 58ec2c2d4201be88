/** Turns texts into vectors. Implementations: AI SDK models, and the deterministic hash embedder. */
export interface Embedder {
  /** A stable name for the model (cache key and the name recorded with stored vectors). */
  readonly id: string;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
