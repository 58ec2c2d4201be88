import { closeSync, existsSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ConflictError, EngramError } from "../core/errors.ts";
import type { DatabaseLocation } from "../store/database-location.ts";
import { carriedSetting, notEmptyError, SHOWN_PROJECTS } from "../transfer/destination-contents.ts";

/** Where `engram copy` writes, and how the copy is put in place or taken away. */
export interface CopyDestination {
  /** The database the copy writes into: for a SQLite file, a `.partial` file beside it. */
  location: DatabaseLocation;
  /** Puts the finished copy in place. */
  finish(): Promise<void>;
  /** Takes away what a failed copy wrote; resolves to what is left behind, or null when nothing is. */
  undo(): Promise<string | null>;
}

/**
 * Prepares the destination of a copy. A SQLite copy is written to `FILE.partial`, made here, and
 * renamed to the file only once complete, so that the file never holds part of a copy. A PostgreSQL
 * copy is written in place; its undo drops what it created (see `prepareCopyUndo`).
 *
 * @throws ConflictError when the SQLite file exists (it is left as it is), or its `.partial` does; or
 * when the PostgreSQL schema holds projects or settings (it is left as it is, not even migrated).
 */
export async function prepareDestination(to: DatabaseLocation): Promise<CopyDestination> {
  if (to.kind === "postgres") {
    const schema = to.schema ?? "public";
    await requireEmptySchema(to.url, schema);
    const { prepareCopyUndo } = await import("../store/postgres/copy-undo.ts");
    const undo = await prepareCopyUndo(to.url, schema);
    return { location: to, finish: async () => {}, undo };
  }
  return sqliteDestination(to.path);
}

/**
 * Refuses a schema that holds engram data before anything opens it as a store, which would migrate
 * an older engram schema: a refused copy changes nothing.
 */
async function requireEmptySchema(url: string, schema: string): Promise<void> {
  const { readSchemaContents } = await import("../store/postgres/schema-contents.ts");
  const held = await readSchemaContents(url, schema, SHOWN_PROJECTS + 1);
  const refusal = notEmptyError({ ...held, settings: held.settings.filter(carriedSetting) });
  if (refusal !== null) throw refusal;
}

function sqliteDestination(path: string): CopyDestination {
  if (existsSync(path))
    throw new ConflictError(
      `--to: ${path} already exists: copy into a new file (engram copy writes a whole database)`,
    );
  const partial = `${path}.partial`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(partial, "wx"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new ConflictError(
        `${partial} exists: another copy is writing it, or one was killed: remove it and copy again`,
      );
    throw new EngramError("unavailable", `--to: cannot create ${partial} (${(error as Error).message})`, {
      cause: error,
    });
  }
  return {
    location: { kind: "sqlite", path: partial, label: partial },
    async finish() {
      place(partial, path);
    },
    async undo() {
      for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${partial}${suffix}`, { force: true });
      return null;
    },
  };
}

/**
 * Renames `from` to `to` unless `to` exists by then: a hard link fails rather than replace it. The
 * copy's store is closed by then, which moved its write-ahead log into the file; a log still holding
 * frames would be left behind by the rename, so the file is not put in place without it.
 */
function place(from: string, to: string): void {
  const wal = `${from}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0)
    throw new EngramError("internal", `${wal} still holds part of the copy: it was not closed cleanly`);
  try {
    linkSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new ConflictError(`--to: ${to} was created while copying: copy into a new file`);
    // A file system without hard links.
    if (existsSync(to)) throw error;
    renameSync(from, to);
    return;
  }
  rmSync(from);
}
