import type { AppendCommit } from "../store.ts";
import type { Sql } from "./pg-database.ts";

/**
 * Adds a commit (with its new blobs and event) and moves the branch to it, inside `tx`, if the branch
 * is still at `input.expectedHead`. @throws ConflictError otherwise (and the caller's transaction rolls back).
 */
export async function appendCommit(_tx: Sql, _input: AppendCommit): Promise<void> {
  throw new Error("appendCommit is not implemented on PostgreSQL yet");
}
