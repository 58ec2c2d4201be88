import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";

/**
 * What a repository remembers of the engram agent it mirrors, kept inside its `.git` folder (never
 * in the work tree, so it is not committed): which git commit each engram commit is, and per branch
 * the last point at which both sides agreed.
 */
export interface SyncState {
  format: "engram-git/1";
  agentId: string;
  /** engram commit id → git commit. */
  commits: Record<string, string>;
  /** Per branch: the engram head and the git head at the last export or import. */
  synced: Record<string, { engram: string; git: string }>;
}

const FILE = join("engram", "state.json");

export function emptyState(agentId: string): SyncState {
  return { format: "engram-git/1", agentId, commits: {}, synced: {} };
}

/** The state in a repository's git folder, or null when engram never synced it. */
export async function readState(gitDir: string): Promise<SyncState | null> {
  let text: string;
  try {
    text = await readFile(join(gitDir, FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    state = null;
  }
  const ok =
    typeof state === "object" &&
    state !== null &&
    (state as SyncState).format === "engram-git/1" &&
    typeof (state as SyncState).agentId === "string" &&
    typeof (state as SyncState).commits === "object" &&
    typeof (state as SyncState).synced === "object";
  if (!ok) throw new InvalidInputError(`${join(gitDir, FILE)} is damaged: it is not engram's sync state`);
  return state as SyncState;
}

/** Writes the state whole, by rename, so a crash leaves the old state or the new one. */
export async function writeState(gitDir: string, state: SyncState): Promise<void> {
  await mkdir(join(gitDir, "engram"), { recursive: true });
  const path = join(gitDir, FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(state)}\n`);
  await rename(`${path}.tmp`, path);
}
