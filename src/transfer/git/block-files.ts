import { isUtf8 } from "node:buffer";
import { InvalidInputError } from "../../core/errors.ts";
import type { TreeEntry } from "../../core/types.ts";
import { BLOCK_DEFAULTS, type BlockChange, blockLabel } from "../../memory/blocks/schemas.ts";

/** Where a block's value lives in the repository. */
export const blockPath = (label: string) => `blocks/${label}.md`;

/** The file holding every block's settings (description, limit, read-only), by label. */
export const SETTINGS_PATH = "blocks.json";

/** A block as files hold it. */
export interface FileBlock {
  value: string;
  description: string;
  limit: number;
  readOnly: boolean;
}

/** The settings file's text for a tree: stable key order, so unchanged settings diff to nothing. */
export function settingsFile(tree: readonly TreeEntry[]): string {
  const sorted = [...tree].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const settings = Object.fromEntries(
    sorted.map((e) => [e.label, { description: e.description, limit: e.limit, readOnly: e.readOnly }]),
  );
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/**
 * The blocks a commit's files describe: each `blocks/LABEL.md` is a block whose value is the file's
 * text exactly; `blocks.json` gives settings (a block it does not name gets the defaults). Files
 * elsewhere (a README, say) are not blocks and are left alone.
 * @throws InvalidInputError naming the commit and file when a file cannot be a block.
 */
export function blocksFromFiles(files: ReadonlyMap<string, Buffer>, commit: string): Map<string, FileBlock> {
  const where = (path: string) => `${path} in git commit ${commit.slice(0, 12)}`;
  const text = (path: string, bytes: Buffer) => {
    if (!isUtf8(bytes))
      throw new InvalidInputError(`${where(path)} is not UTF-8 text`, { details: { path, commit } });
    // Valid UTF-8 decodes to well-formed text: no lone surrogates can reach a block.
    return bytes.toString("utf8");
  };
  const settingsBytes = files.get(SETTINGS_PATH);
  const settings =
    settingsBytes === undefined
      ? {}
      : parseSettings(text(SETTINGS_PATH, settingsBytes), where(SETTINGS_PATH));
  const blocks = new Map<string, FileBlock>();
  for (const [path, bytes] of files) {
    if (!path.startsWith("blocks/")) continue;
    const name = path.slice("blocks/".length);
    const label = name.endsWith(".md") ? name.slice(0, -3) : null;
    if (label === null || !blockLabel.safeParse(label).success) {
      throw new InvalidInputError(
        `${where(path)} is not a block: files under blocks/ must be named LABEL.md, where LABEL is 1-64 letters, digits, '_', '-' or '.', not starting with '-' or '.'`,
        { details: { path, commit } },
      );
    }
    const own = settings[label];
    blocks.set(label, {
      value: text(path, bytes),
      description: own?.description ?? "",
      limit: own?.limit ?? BLOCK_DEFAULTS.limit,
      readOnly: own?.readOnly ?? false,
    });
  }
  return blocks;
}

type Settings = Record<string, { description?: string; limit?: number; readOnly?: boolean }>;

function parseSettings(text: string, where: string): Settings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError(`${where} must be an object of block settings by label`);
  }
  const settings: Settings = {};
  for (const [label, value] of Object.entries(parsed)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InvalidInputError(
        `${where}: "${label}" must be an object with description, limit and readOnly`,
      );
    }
    const { description, limit, readOnly, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0)
      throw new InvalidInputError(`${where}: "${label}" has unknown setting "${unknown[0]}"`);
    if (description !== undefined && typeof description !== "string")
      throw new InvalidInputError(`${where}: "${label}".description must be a string`);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) > 0))
      throw new InvalidInputError(`${where}: "${label}".limit must be a positive integer`);
    if (readOnly !== undefined && typeof readOnly !== "boolean")
      throw new InvalidInputError(`${where}: "${label}".readOnly must be true or false`);
    settings[label] = {
      ...(description === undefined ? {} : { description: description as string }),
      ...(limit === undefined ? {} : { limit: limit as number }),
      ...(readOnly === undefined ? {} : { readOnly: readOnly as boolean }),
    };
  }
  return settings;
}

/** The block changes that turn `before` into `after` (empty when they hold the same blocks). */
export function blockChanges(
  before: ReadonlyMap<string, FileBlock>,
  after: ReadonlyMap<string, FileBlock>,
): BlockChange[] {
  const changes: BlockChange[] = [];
  for (const label of before.keys()) if (!after.has(label)) changes.push({ op: "delete", label });
  for (const [label, block] of after) {
    const old = before.get(label);
    if (
      old !== undefined &&
      old.value === block.value &&
      old.description === block.description &&
      old.limit === block.limit &&
      old.readOnly === block.readOnly
    )
      continue;
    changes.push({ op: "set", label, ...block });
  }
  return changes;
}
