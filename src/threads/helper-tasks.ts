import { joinedTerms } from "../core/text.ts";
import { extractEntities } from "../graph/entity-extractor.ts";
import { hashVectorInto } from "../models/hash-vector.ts";
import { closeReader, type ScanInput, scanOnThread } from "../store/sqlite/vector-scan.ts";

/**
 * What the helper thread can be asked (helper-thread.ts): pure functions of their input, computed
 * the same there as inline, and its share of a search's vector scan, read through a read-only
 * connection of its own (store/sqlite/vector-scan.ts). Each returns its output and the buffers to
 * move rather than copy.
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
  /** The lists of a search it takes before the caller does, and its best k of them (null: called off). */
  scanVectors(input: ScanInput) {
    const output = scanOnThread(input);
    return { output, transfer: output === null ? [] : [output.rowids.buffer, output.distances.buffer] };
  },
  /** Closes its connection to a database file whose store closed. */
  closeVectorReader(input: { path: string }) {
    closeReader(input.path);
    return { output: null, transfer: [] };
  },
};

export type TaskName = keyof typeof TASKS;
export type TaskInput<N extends TaskName> = Parameters<(typeof TASKS)[N]>[0];
export type TaskOutput<N extends TaskName> = ReturnType<(typeof TASKS)[N]>["output"];
