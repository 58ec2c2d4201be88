import { createRequire } from "node:module";
import { DatabaseSync } from "node:sqlite";
import { EngramError } from "../../core/errors.ts";

/** How long a statement waits for another process's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** The memory map's size asked for: more than any file, so SQLite's build limit (2 GiB here) applies. */
export const MMAP_BYTES = 1099511627776;

export interface OpenedDatabase {
  db: DatabaseSync;
  vectors: boolean;
  /** The sqlite-vec extension file loaded, or null when none is. */
  extension: string | null;
  fullText: boolean;
  warnings: string[];
}

/**
 * Pages the write-ahead log may hold before a commit copies them into the database file (SQLite's
 * default is 1,000, 4 MB). A write that changes pages all over the file (memories closed by keyed
 * facts, graph entities, full-text segments) rewrites many of them between two checkpoints; with a
 * longer log each is copied once for several commits. At 8,000 (32 MB of log): keyed facts of 2,000
 * users written 10-15% faster, and an insert at 100,000 memories 5-10% (BENCHMARKS.md).
 */
export const WAL_CHECKPOINT_PAGES = 8_000;

/**
 * Opens a SQLite file with the settings engram relies on: WAL (readers never block the writer),
 * foreign keys, a busy timeout for concurrent processes, and `synchronous=FULL` so an acknowledged
 * write survives a power cut as well as a crash.
 */
export function openDatabase(
  path: string,
  options: { vectorExtension?: string | false } = {},
): OpenedDatabase {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { allowExtension: true, enableForeignKeyConstraints: true });
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec(`PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    db.exec("PRAGMA foreign_keys = ON");
    // 64 MiB of page cache: full-text postings and vector chunks are read on every search.
    db.exec("PRAGMA cache_size = -65536");
    // Reads through a memory map (up to SQLite's build limit, 2 GiB here) rather than a read() and a
    // copy per page: a vector search reads tens of MB of chunks, most not in the page cache (a
    // search scanning a tenth of 100,000 vectors: 10.9 → 5.4 ms at the median).
    if (path !== ":memory:") db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
  } catch (error) {
    db.close();
    throw openFailure(path, error);
  }
  const warnings: string[] = [];
  const extension =
    options.vectorExtension === false ? null : loadVectorExtension(db, warnings, options.vectorExtension);
  const fullText = probeFts5(db, warnings);
  return { db, vectors: extension !== null, extension, fullText, warnings };
}

/** Loads sqlite-vec; returns the file loaded, or null (with a warning) when it cannot. */
function loadVectorExtension(db: DatabaseSync, warnings: string[], path?: string): string | null {
  try {
    const file = path ?? sqliteVecPath();
    db.loadExtension(file);
    db.prepare("SELECT vec_version()").get();
    return file;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warnings.push(`the sqlite-vec extension could not be loaded (${reason}): vector search is unavailable`);
    return null;
  } finally {
    // Extensions are loaded once, at open; nothing later may load another.
    db.enableLoadExtension(false);
  }
}

function sqliteVecPath(): string {
  const require = createRequire(import.meta.url);
  const sqliteVec = require("sqlite-vec") as { getLoadablePath(): string };
  return sqliteVec.getLoadablePath();
}

function probeFts5(db: DatabaseSync, warnings: string[]): boolean {
  try {
    db.exec("CREATE VIRTUAL TABLE temp.engram_fts5_probe USING fts5(x); DROP TABLE temp.engram_fts5_probe;");
    return true;
  } catch {
    warnings.push("this SQLite build has no FTS5: full-text search is unavailable");
    return false;
  }
}

/**
 * Runs `fn` in an IMMEDIATE transaction (taking the write lock up front, so a read-then-write inside
 * cannot be overtaken by another process). Nested calls join the outer transaction.
 */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN IMMEDIATE");
  return commitOrRollback(db, fn);
}

/**
 * Runs reads that must see one state of the database (e.g. a row and what it refers to) in a
 * deferred transaction, which in WAL mode reads one snapshot and takes no write lock. Inside a
 * caller's transaction the reads simply join it.
 */
export function inReadTransaction<T>(db: DatabaseSync, read: () => T): T {
  if (db.isTransaction) return read();
  db.exec("BEGIN");
  return commitOrRollback(db, read);
}

/**
 * Like `inTransaction`, but waits for the write lock without stopping the process: while another
 * process (a server worker, the CLI) holds it, the attempt is retried after yielding to other work,
 * instead of sleeping inside SQLite's busy handler with the event loop blocked. The transaction
 * itself, once begun, runs and commits synchronously as with `inTransaction`.
 *
 * With `fsync: false`, for writes that can be redone (moving vectors between index lists), the
 * commit does not wait for the disk (`synchronous = NORMAL`, as `withoutFsync`): set just before
 * BEGIN and reset right after COMMIT, with no await between, so no other write shares it.
 */
export async function inWriteTransaction<T>(
  db: DatabaseSync,
  fn: () => T,
  options: { fsync?: boolean } = {},
): Promise<T> {
  if (db.isTransaction) return fn();
  const relaxed = options.fsync === false;
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    if (relaxed) db.exec("PRAGMA synchronous = NORMAL");
    try {
      if (tryBeginImmediate(db)) return commitOrRollback(db, fn);
      if (Date.now() > deadline) {
        db.exec("BEGIN IMMEDIATE"); // one last wait inside SQLite, which fails with its own busy error
        return commitOrRollback(db, fn);
      }
    } finally {
      if (relaxed) db.exec("PRAGMA synchronous = FULL");
    }
    await new Promise((resolve) =>
      attempt < 8 ? setImmediate(resolve) : setTimeout(resolve, Math.min(2 ** (attempt - 8), 20)),
    );
  }
}

/**
 * Runs a synchronous write that need not wait for the disk (`synchronous = NORMAL`: a power cut may
 * lose it, a crash of the process may not). Inside a caller's transaction the write simply joins it,
 * and its durability. It never spans an await, so no other write can share the relaxed setting.
 */
export function withoutFsync<T>(db: DatabaseSync, write: () => T): T {
  const relaxed = !db.isTransaction;
  if (relaxed) db.exec("PRAGMA synchronous = NORMAL");
  try {
    return write();
  } finally {
    if (relaxed) db.exec("PRAGMA synchronous = FULL");
  }
}

/** Runs `fn` in the transaction just begun, and commits it, or rolls it back if `fn` throws. */
function commitOrRollback<T>(db: DatabaseSync, fn: () => T): T {
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
function tryBeginImmediate(db: DatabaseSync): boolean {
  db.exec("PRAGMA busy_timeout = 0");
  try {
    db.exec("BEGIN IMMEDIATE");
    return true;
  } catch (error) {
    if ((error as { errcode?: unknown }).errcode === SQLITE_BUSY) return false;
    throw error;
  } finally {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

const SQLITE_BUSY = 5;

/**
 * SQLite's primary result codes that say the file cannot serve as a database here, with what to look
 * at (an empty string: SQLite's own message says it all).
 */
const FILE_FAILURES: ReadonlyMap<number, string> = new Map([
  [3, "engram may not read or write the file"],
  [5, "another process holds a lock on it"],
  [6, "another connection holds a lock on it"],
  [8, "engram writes to the file and its folder, which are read-only here"],
  [10, ""],
  [11, "the file is damaged or cut short"],
  [13, ""],
  [14, "it is a folder, or a file engram may not read or create"],
  [26, ""],
]);

/**
 * What a failure to open (or migrate) a SQLite file becomes when the file is at fault (read-only,
 * locked, damaged, not a database, a folder): `unavailable`, naming the file and what to look at, as
 * a PostgreSQL server that cannot serve is reported. Any other error passes through as it is.
 */
export function openFailure(path: string, error: unknown): unknown {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  const why = typeof code === "number" ? FILE_FAILURES.get(code & 0xff) : undefined;
  if (why === undefined || !(error instanceof Error)) return error;
  const message = `SQLite database ${path}: ${error.message}${why === "" ? "" : ` (${why})`}`;
  return new EngramError("unavailable", message, { cause: error });
}
