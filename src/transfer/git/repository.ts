import { mkdir, readdir, realpath } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { git, runGit } from "./git-command.ts";
import { emptyState, readState, type SyncState } from "./sync-state.ts";

/** A repository mirroring one agent, opened for an export or an import. */
export interface Repository {
  dir: string;
  gitDir: string;
  state: SyncState;
  /** Whether the repository has no commit yet (made now, or an empty `git init`). */
  empty: boolean;
}

/** The branch that holds memories and insights when an export asks for them (not an engram branch). */
export const MEMORIES_BRANCH = "engram-memories";

/**
 * Opens `dir` as the mirror of `agentId`. For an export (`create`), a missing or empty folder becomes
 * a new repository, and an empty repository is adopted.
 * @throws InvalidInputError when `dir` is not a repository of its own, or mirrors another history.
 */
export async function openRepository(dir: string, agentId: string, create: boolean): Promise<Repository> {
  const path = resolve(dir);
  if (create) {
    await mkdir(path, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      // A file where the folder should be (or above it) is the caller's mistake, not engram's.
      if (error.code === "EEXIST" || error.code === "ENOTDIR")
        throw new InvalidInputError(
          `${path} is not a folder (a file is in its place, or above it): export into an empty folder`,
          { details: { dir: path } },
        );
      throw error;
    });
    if ((await readdir(path)).length === 0) await git(path, ["init", "-q"]);
  }
  const top = await runGit(path, ["rev-parse", "--show-toplevel"]);
  // A folder inside some other repository (a project checkout, say) is not a repository of its own.
  const own =
    top.code === 0 &&
    (await realpath(top.stdout.toString("utf8").trim())) === (await realpath(path).catch(() => path));
  if (!own) {
    throw new InvalidInputError(
      create
        ? `${path} is not a git repository and not empty: export into an empty folder, or into a repository engram exported`
        : `${path} is not a git repository: import from a folder made by engram git export`,
      { details: { dir: path } },
    );
  }
  const gitDirText = (await git(path, ["rev-parse", "--git-dir"])).trim();
  const gitDir = isAbsolute(gitDirText) ? gitDirText : resolve(path, gitDirText);
  const empty =
    (await runGit(path, ["rev-parse", "-q", "--verify", "HEAD"])).code !== 0 &&
    (await git(path, ["for-each-ref", "refs/heads/"])).trim() === "";
  const state = await readState(gitDir);
  if (state === null) {
    if (create && empty) return { dir: path, gitDir, state: emptyState(agentId), empty };
    throw new InvalidInputError(
      `${path} has a history engram did not write (no engram sync state): ${create ? "export into an empty folder" : "import only from a folder made by engram git export"}`,
      { details: { dir: path } },
    );
  }
  if (state.agentId !== agentId) {
    throw new InvalidInputError(`${path} mirrors agent ${state.agentId}, not ${agentId}`, {
      details: { dir: path, agentId: state.agentId },
    });
  }
  return { dir: path, gitDir, state, empty };
}

/** @throws InvalidInputError when the work tree has changes git has not committed. */
export async function requireCleanWorkTree(repo: Repository): Promise<void> {
  const status = (await git(repo.dir, ["status", "--porcelain"])).trim();
  if (status !== "") {
    throw new InvalidInputError(
      `${repo.dir} has uncommitted changes (${status.split("\n")[0]?.trim()}…): commit or discard them first`,
      { details: { dir: repo.dir } },
    );
  }
}

/** The git commits the state knows: every exported or imported one, and where branches last agreed. */
export function knownCommits(repo: Repository): Set<string> {
  return new Set([
    ...Object.values(repo.state.commits),
    ...Object.values(repo.state.synced).map((s) => s.git),
  ]);
}
