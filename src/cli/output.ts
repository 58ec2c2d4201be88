import { toEngramError } from "../core/errors.ts";
import type { Page } from "../core/types.ts";
import type { CliIo } from "./context.ts";
import { displayWidth, padDisplayEnd } from "./display-width.ts";
import { UsageError } from "./usage-error.ts";

/** What a command hands back: `data` for `--json`, `text` for people. */
export interface CommandResult {
  data: unknown;
  text: string;
  /** A side note for people (e.g. how to get the next page), always on stderr. */
  hint?: string | undefined;
}

/**
 * A list in one shape everywhere: `--json` prints `{items, nextCursor}` as the HTTP API and the library
 * return it (a whole list has `nextCursor: null`); people get the rows, and the next page's flag on
 * stderr.
 */
export function listResult<T>(
  list: Page<T> | readonly T[],
  format: (items: readonly T[]) => string,
): CommandResult {
  const page: Page<T> = Array.isArray(list) ? { items: [...list], nextCursor: null } : (list as Page<T>);
  return {
    data: page,
    text: format(page.items),
    hint: page.nextCursor === null ? undefined : `more: --cursor ${page.nextCursor}`,
  };
}

/**
 * Exit codes: 1 for the caller's mistakes (and for a language or embedding model that is not set up or
 * not answering, which is the caller's set-up rather than engram's), 2 for a wrong command line, 3 for
 * engram's own failures.
 */
export const EXIT = { ok: 0, user: 1, usage: 2, internal: 3 } as const;

export function printResult(io: CliIo, json: boolean, result: CommandResult): void {
  if (json) io.stdout.write(`${JSON.stringify(result.data, null, 2)}\n`);
  else if (result.text !== "") io.stdout.write(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
  if (result.hint !== undefined) io.stderr.write(`${result.hint}\n`);
}

/**
 * Reports an error the way the contract says: `{"error":{"code","message"}}` on stdout with `--json`,
 * a line on stderr without. Returns the exit code.
 */
export function printError(io: CliIo, json: boolean, error: unknown): number {
  if (error instanceof UsageError) {
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    else {
      const help = error.command === undefined ? "engram --help" : `engram ${error.command} --help`;
      io.stderr.write(`engram: ${error.message}\nSee '${help}'.\n`);
    }
    return EXIT.usage;
  }
  const failure = toEngramError(error);
  const callers = failure.isUserError || failure.code === "unavailable";
  if (json) io.stdout.write(`${JSON.stringify({ error: failure.toJSON() })}\n`);
  else {
    io.stderr.write(`engram: ${failure.message}\n`);
    if (!callers && io.env.ENGRAM_DEBUG && error instanceof Error && error.stack)
      io.stderr.write(`${error.stack}\n`);
  }
  return callers ? EXIT.user : EXIT.internal;
}

/**
 * Columns padded to line up on a terminal, wide characters (CJK, emoji) and combining marks counted as
 * shown; the last column is not padded.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => displayWidth(row[i] ?? ""))));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : padDisplayEnd(cell, widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `key  value` lines, keys aligned (as `table` does). */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([key]) => displayWidth(key)));
  return pairs.map(([key, value]) => `${padDisplayEnd(key, width)}  ${value}`).join("\n");
}

/** Commit ids are 64 hex digits; 12 are plenty for people and accepted back as a revision. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** `2026-01-31T12:34:56.789Z` → `2026-01-31 12:34`. */
export function shortTime(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * The first line of a text, cut to fit a table cell of `max` terminal columns (wide characters count
 * two): a longer line ends in `…`, cut between characters as the reader sees them, never inside one.
 */
export function oneLine(text: string, max = 72): string {
  const line = text.split("\n")[0] ?? "";
  let width = 0;
  let fits = 0;
  for (const { segment, index } of graphemes.segment(line)) {
    width += displayWidth(segment);
    if (width > max) return `${line.slice(0, fits)}…`;
    // Where to cut if the line turns out too wide: leaves a column for the ellipsis.
    if (width < max) fits = index + segment.length;
  }
  return line;
}
