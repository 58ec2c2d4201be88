import { joinedTerms } from "../core/text.ts";
import { extractEntities } from "../graph/entity-extractor.ts";
import { hashVectorInto } from "../models/hash-vector.ts";

/**
 * What the helper thread can be asked (helper-thread.ts): pure functions of their input, computed
 * the same there as inline. Each returns its output and the buffers to move rather than copy.
 */
export const TASKS = {
  /** The hash embedder's vectors of the texts, one after another in one buffer. */
  hashVectors(input: { texts: readonly string[]; dimensions: number }) {
    const { texts, dimensions } = input;
    const out = new Float32Array(texts.length * dimensions);
    texts.forEach((text, i) => {
      hashVectorInto(text, dimensions, out, i * dimensions);
    });
    return { output: out, transfer: [out.buffer] };
  },
  /** Each text's index terms, as a write stores them (see `joinedTerms`). */
  indexTerms(input: { texts: readonly string[] }) {
    return { output: input.texts.map(joinedTerms), transfer: [] };
  },
  /** The entities each text names (the graph's deterministic extractor). */
  entities(input: { texts: readonly string[] }) {
    return { output: input.texts.map((text) => extractEntities(text)), transfer: [] };
  },
};

export type TaskName = keyof typeof TASKS;
export type TaskInput<N extends TaskName> = Parameters<(typeof TASKS)[N]>[0];
export type TaskOutput<N extends TaskName> = ReturnType<(typeof TASKS)[N]>["output"];
