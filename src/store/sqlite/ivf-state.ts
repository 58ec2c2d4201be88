import type { VectorIndexReport } from "../store.ts";

/**
 * How an agent's vectors in a space are indexed by SQLite's inverted-file (IVF) lists: what
 * `SqliteVectorStore.indexState` reports to SQLite's own maintenance (tests, `engram bench`).
 */
export interface VectorIndexState {
  /** Lists the vectors are clustered into (0: untrained, searched exactly). */
  lists: number;
  /** Vectors when last trained. */
  trained: number;
  /** Bumped by every training. */
  version: number;
  /** Vectors in each list, 0 to `lists`. */
  sizes: number[];
  /**
   * A retraining under way, or null: its new lists are filled while the current ones keep serving,
   * and replace them in one step when every vector has moved.
   */
  retraining: VectorRetrainState | null;
}

/** A retraining of an agent's vector index lists, under way. */
export interface VectorRetrainState {
  /** Lists it clusters the vectors into. */
  lists: number;
  /** The agent's vectors when it began. */
  vectors: number;
  /** Vectors moved into the new lists so far (new ones go there directly). */
  moved: number;
  /**
   * Whether this process is working on it; a retraining left by a stopped process resumes when
   * the database is next opened with an embedding model.
   */
  running: boolean;
}

/** The IVF state as every backend reports its index: `exact` until trained, then `ivf`. */
export function describeIvf(state: VectorIndexState): VectorIndexReport {
  const { lists, trained, version, retraining } = state;
  let summary = lists === 0 ? "exact" : `${lists} lists trained at ${trained} vectors, generation ${version}`;
  if (retraining !== null) {
    const { lists: next, moved, vectors, running } = retraining;
    summary += `; retraining into ${next} lists, ${moved} of ${vectors} moved${running ? "" : ", carried on at the next open"}`;
  }
  return {
    method: lists === 0 ? "exact" : "ivf",
    summary,
    details: {
      ...state,
      sizes: [...state.sizes],
      retraining: retraining === null ? null : { ...retraining },
    },
  };
}
