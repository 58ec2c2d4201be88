import { statSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { ThreadTask } from "../../threads/helper-thread.ts";
import { BUSY_TIMEOUT_MS, MMAP_BYTES } from "./database.ts";
import { Statements } from "./statements.ts";

/**
 * Scanning a search's lists on two threads. A search's k-NN over the lists it probes is most of a
 * hybrid search's time, one sqlite-vec k-NN per list. The calling thread and the helper thread
 * (src/threads/) take lists from one shared counter, each through its own connection, and their
 * best k are merged. The helper thread reads through a read-only connection of its own to the same
 * file. A list is taken by whichever thread is free first, so a helper thread busy with other work
 * takes none and the caller scans them all, as it would alone.
 */

/** A vector near the query: its rowid and cosine distance. */
export interface ScanHit {
  rowid: number;
  distance: number;
}

/** Where the helper thread's connection reads: a database file and the extension it loads. */
export interface ScanSource {
  path: string;
  /** The file's identity (device, inode, birth time) when the caller opened it: a reader of an older file at the same path is reopened. */
  file: string;
  extension: string;
}

/** What the helper thread is asked to scan. */
export interface ScanInput extends ScanSource {
  table: string;
  space: string;
  agentId: string;
  parts: readonly string[];
  query: Uint8Array;
  k: number;
  /** `[NEXT, STATUS]` on shared memory: the next list to take, and who has the task (see below). */
  control: Int32Array;
}

/** What it scanned: the lists' state it read them in (see `STAMP_SQL`) and its best k. */
export interface ScanOutput {
  stamp: string;
  rowids: Float64Array;
  distances: Float64Array;
}

/** Index of the next list to take in a scan's control words. */
const NEXT = 0;
/** Index of the task's status: QUEUED until one side moves it, STARTED by the thread, ABANDONED by the caller. */
const STATUS = 1;
const QUEUED = 0;
const STARTED = 1;
const ABANDONED = 2;

/** One partition's k-NN, only vectors nearer than a bound (the k-th best so far) coming back. */
export const knnSql = (table: string) =>
  `SELECT rowid, distance FROM ${table} WHERE embedding MATCH ? AND k = ? AND part = ? AND distance < ?`;

/**
 * The state of an agent's lists in one space, as text: it changes with every vector written,
 * moved or deleted, each of which saves the lists (counting one more of their `writes`). Two
 * connections that read the same stamp saw the same vectors of the agent.
 */
export const STAMP_SQL = `SELECT
  (SELECT writes || '/' || version || '/' || first || '/' || hex(sizes) FROM vector_lists WHERE space = ?1 AND agent_id = ?2) AS a,
  (SELECT first || '/' || moved || '/' || hex(sizes) FROM vector_retrains WHERE space = ?1 AND agent_id = ?2) AS p`;

/** The stamp of an agent's lists as `db` sees them (see `STAMP_SQL`). */
export function listStamp(statement: StatementSync, space: string, agentId: string): string {
  const row = statement.get(space, agentId) as { a: string | null; p: string | null } | undefined;
  return `${row?.a ?? ""}|${row?.p ?? ""}`;
}

/** A fresh control block for a scan shared by two threads. */
export function scanControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/** The next list index `control` gives out, or -1 when all `n` are taken. */
function take(control: Int32Array, n: number): number {
  const i = Atomics.add(control, NEXT, 1);
  return i < n ? i : -1;
}

/**
 * Runs the k-NN of each list `next` gives out until it gives -1, keeping the best k (nearest first)
 * in `best`. Returns the list indexes it scanned.
 */
export function scanLists(
  statement: StatementSync,
  parts: readonly string[],
  query: Uint8Array,
  k: number,
  next: () => number,
  best: ScanHit[],
): number[] {
  const scanned: number[] = [];
  for (let i = next(); i >= 0; i = next()) {
    scanned.push(i);
    const bound = best.length < k ? Number.POSITIVE_INFINITY : (best[k - 1] as ScanHit).distance;
    const found = statement.all(query, k, parts[i] as string, bound) as unknown as ScanHit[];
    if (found.length > 0) keepBest(best, found, k);
  }
  return scanned;
}

/**
 * The best k of the lists `indexes` names (every list by default), in that order, by this thread
 * alone, added to `best`.
 */
export function scanInOrder(
  statement: StatementSync,
  parts: readonly string[],
  query: Uint8Array,
  k: number,
  indexes: readonly number[] = [...parts.keys()],
  best: ScanHit[] = [],
): ScanHit[] {
  let at = 0;
  scanLists(statement, parts, query, k, () => (at < indexes.length ? (indexes[at++] as number) : -1), best);
  return best;
}

/** Adds `found` to `best` (nearest first), keeping k. */
export function keepBest(best: ScanHit[], found: readonly ScanHit[], k: number): void {
  for (const hit of found) best.push(hit);
  best.sort((a, b) => a.distance - b.distance);
  if (best.length > k) best.length = k;
}

/**
 * The calling thread's side of a scan shared with the helper thread: it takes lists until none is
 * left; if the thread has not begun the task by then, it is called off (never waited for);
 * otherwise its best k are merged in once it is done. Lists the thread took but whose results
 * cannot be used (it failed, or it read the agent's vectors in another state than `stamp`, as
 * after another process's write between the two reads) are scanned here again.
 */
export function scanShared(
  statement: StatementSync,
  parts: readonly string[],
  query: Uint8Array,
  k: number,
  control: Int32Array,
  task: ThreadTask<ScanOutput | null>,
  stamp: () => string,
): ScanHit[] {
  const best: ScanHit[] = [];
  const mine = new Set(scanLists(statement, parts, query, k, () => take(control, parts.length), best));
  if (Atomics.compareExchange(control, STATUS, QUEUED, ABANDONED) === QUEUED) return best;
  const theirs = task.wait();
  if (theirs !== null && theirs.stamp === stamp()) {
    keepBest(
      best,
      Array.from(theirs.rowids, (rowid, i) => ({ rowid, distance: theirs.distances[i] as number })),
      k,
    );
    return best;
  }
  const left = parts.flatMap((_, i) => (mine.has(i) ? [] : [i]));
  return scanInOrder(statement, parts, query, k, left, best);
}

/**
 * Calls off a scan whose result is no longer wanted: no list is left to take, and a thread that has
 * not begun does not begin; the result of one that has is taken when it comes, and dropped.
 */
export function abandonScan(control: Int32Array, lists: number, task: ThreadTask<ScanOutput | null>): void {
  Atomics.store(control, NEXT, lists);
  if (Atomics.compareExchange(control, STATUS, QUEUED, ABANDONED) !== QUEUED) void task.settled();
}

/** The helper thread's connections, one per database file. */
const readers = new Map<string, { file: string; statements: Statements }>();

/** The helper thread's connection to the file (its statements), opened as the caller's store opens its own. */
function reader(source: ScanSource): Statements {
  const open = readers.get(source.path);
  if (open !== undefined && open.file === source.file) return open.statements;
  if (open !== undefined) closeReader(source.path);
  const db = new DatabaseSync(source.path, { readOnly: true, allowExtension: true });
  try {
    db.loadExtension(source.extension);
    db.enableLoadExtension(false);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
  } catch (error) {
    db.close();
    throw error;
  }
  const opened = { file: source.file, statements: new Statements(db) };
  readers.set(source.path, opened);
  return opened.statements;
}

/**
 * The helper thread's side of a shared scan: unless the caller has called it off, it takes lists
 * as the caller does, in one read transaction, and returns its best k with the stamp it read.
 */
export function scanOnThread(input: ScanInput): ScanOutput | null {
  const { control, parts } = input;
  if (Atomics.load(control, STATUS) !== QUEUED) return null;
  // Opened before the task is taken: the caller, once it has taken every list, waits only for a
  // thread that is scanning, not for one opening a connection.
  const r = reader(input);
  if (Atomics.compareExchange(control, STATUS, QUEUED, STARTED) !== QUEUED) return null;
  r.db.exec("BEGIN");
  try {
    const stamp = listStamp(r.prepare(STAMP_SQL), input.space, input.agentId);
    const best: ScanHit[] = [];
    scanLists(
      r.prepare(knnSql(input.table)),
      parts,
      input.query,
      input.k,
      () => take(control, parts.length),
      best,
    );
    return {
      stamp,
      rowids: Float64Array.from(best, (hit) => hit.rowid),
      distances: Float64Array.from(best, (hit) => hit.distance),
    };
  } finally {
    if (r.db.isTransaction) r.db.exec("COMMIT");
  }
}

/** Closes the helper thread's connection to a file (its store closed). */
export function closeReader(path: string): void {
  const open = readers.get(path);
  readers.delete(path);
  open?.statements.db.close();
}

/**
 * A database file's identity (device, inode and birth time: an inode alone may be reused by a file
 * made after one deleted), or null when there is no file to share (in memory, or gone).
 */
export function fileIdentity(path: string | null | undefined): string | null {
  if (path === null || path === undefined || path === "") return null;
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.dev}:${stat.ino}:${stat.birthtimeNs}`;
  } catch {
    return null;
  }
}
