import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { EngramError } from "../../core/errors.ts";
import { runGit } from "./git-command.ts";

/** One file of a commit: its path and the mark of its blob. */
export interface FileRef {
  path: string;
  blob: number;
}

/** A commit for `git fast-import`, written under a mark. */
export interface ImportCommit {
  mark: number;
  /** The parent: a mark of this stream, a git commit, or null for a root. */
  parent: number | string | null;
  author: string;
  /** Seconds since the epoch. */
  time: number;
  message: string;
  /** Files added or changed relative to the parent (all of them, with `replace`). */
  files: FileRef[];
  /** Paths removed relative to the parent. */
  removed?: string[];
  /** Whether the files are the commit's whole tree, nothing kept from the parent. */
  replace?: boolean;
}

/** Where fast-import builds commits before the branches are pointed at them. */
const WORK_REF = "refs/engram/export";

/**
 * Builds a fast-import stream: blobs, commits (each on a work ref reset before it, so parents are
 * exactly the ones given), then each branch moved to its commit. Returned as chunks, written as the
 * pipe drains.
 */
export function* fastImportStream(
  blobs: ReadonlyMap<number, string>,
  commits: readonly ImportCommit[],
  branches: ReadonlyMap<string, number | string>,
): Generator<string> {
  for (const [mark, value] of blobs) {
    yield `blob\nmark :${mark}\ndata ${Buffer.byteLength(value)}\n${value}\n`;
  }
  for (const c of commits) {
    const who = `${c.author} <${c.author}@engram> ${c.time} +0000`;
    const from =
      c.parent === null ? "" : `from ${typeof c.parent === "number" ? `:${c.parent}` : c.parent}\n`;
    const removed = (c.removed ?? []).map((path) => `D ${quotePath(path)}\n`).join("");
    const files = c.files.map((f) => `M 100644 :${f.blob} ${quotePath(f.path)}\n`).join("");
    const all = c.replace === true ? "deleteall\n" : "";
    yield `reset ${WORK_REF}\ncommit ${WORK_REF}\nmark :${c.mark}\nauthor ${who}\ncommitter ${who}\ndata ${Buffer.byteLength(c.message)}\n${c.message}\n${from}${all}${removed}${files}\n`;
  }
  for (const [name, target] of branches) {
    yield `reset refs/heads/${name}\nfrom ${typeof target === "number" ? `:${target}` : target}\n\n`;
  }
  yield "done\n";
}

/** Block labels are plain, but a path with a quote or newline would need C-style quoting. */
function quotePath(path: string): string {
  return /["\\\n]/.test(path) ? JSON.stringify(path) : path;
}

/**
 * Runs `git fast-import` over the stream and returns each mark's commit or blob.
 * @throws EngramError when git refuses the stream.
 */
export async function fastImport(
  dir: string,
  gitDir: string,
  stream: Iterable<string>,
): Promise<Map<number, string>> {
  await mkdir(join(gitDir, "engram"), { recursive: true });
  const marksFile = join(gitDir, "engram", "marks");
  const result = await runGit(
    dir,
    ["fast-import", "--quiet", "--force", "--done", `--export-marks=${marksFile}`],
    stream,
    // With glibc's defaults fast-import hands memory back to the kernel after nearly every object
    // and asks for it again, two system calls per allocation: 2,000 commits took 15 s of waiting.
    // Letting the process keep what it freed makes it about ten times faster.
    { MALLOC_TOP_PAD_: "67108864", MALLOC_TRIM_THRESHOLD_: "268435456", MALLOC_MMAP_THRESHOLD_: "268435456" },
  );
  if (result.code !== 0)
    throw new EngramError("internal", `git fast-import failed in ${dir}: ${result.stderr.trim()}`);
  const marks = new Map<number, string>();
  for (const line of (await readFile(marksFile, "utf8")).split("\n")) {
    const match = /^:(\d+) ([0-9a-f]+)$/.exec(line);
    if (match !== null) marks.set(Number(match[1]), match[2] as string);
  }
  await rm(marksFile, { force: true });
  await runGit(dir, ["update-ref", "-d", WORK_REF]);
  return marks;
}
