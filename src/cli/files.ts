import { readFile, writeFile } from "node:fs/promises";
import { InvalidInputError } from "../core/errors.ts";
import { checkInput } from "../core/input-limits.ts";
import { decodeUserText } from "./user-text.ts";

/**
 * Reads a file the user named. A missing or unreadable file is the caller's mistake (invalid_input),
 * named in the message, not an internal error.
 */
export async function readUserFile(path: string, what: string): Promise<string> {
  return decodeUserText(await readUserBytes(path, what), `${what} ${path}`);
}

/** Reads a binary file the user named (e.g. an image); a missing one is invalid_input, named. */
export async function readUserBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new InvalidInputError(`cannot read ${what} ${path}: ${systemReason(error)}`, { cause: error });
  }
}

export async function writeUserFile(path: string, text: string, what: string): Promise<void> {
  try {
    await writeFile(path, text, "utf8");
  } catch (error) {
    throw new InvalidInputError(`cannot write ${what} ${path}: ${systemReason(error)}`, { cause: error });
  }
}

/**
 * Parses JSON the user gave; `source` names where it came from, e.g. `import file a.json`. JSON
 * nested deeper than MAX_INPUT_DEPTH or holding a lone surrogate (a `\ud800` escape) is refused.
 */
export function parseUserJson(text: string, source: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`${source} is not valid JSON: ${reason}`, { cause: error });
  }
  checkInput(value, source);
  return value;
}

/** Parses a `--metadata` style flag that must hold a JSON object. */
export function parseJsonObjectFlag(text: string, flag: string): Record<string, unknown> {
  const value = parseUserJson(text, `--${flag}`);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new InvalidInputError(`--${flag} must be a JSON object, e.g. '{"team":"support"}'`);
  return value as Record<string, unknown>;
}

function systemReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}

/** One object of a JSON Lines file, with its 1-based line number. */
export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

/**
 * Reads a JSON Lines file the user named: one JSON object per line, blank lines skipped. A line that
 * is not a JSON object is an invalid_input error naming the file and the line.
 */
export async function readJsonLines(path: string, what: string): Promise<JsonLine[]> {
  const text = await readUserFile(path, what);
  const lines: JsonLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const line = i + 1;
    const value = parseUserJson(raw, `line ${line} of ${what} ${path}`);
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new InvalidInputError(`line ${line} of ${what} ${path} must be a JSON object`);
    lines.push({ line, value: value as Record<string, unknown> });
  });
  if (lines.length === 0) throw new InvalidInputError(`${what} ${path} holds no lines`);
  return lines;
}
