import { InvalidInputError } from "../../core/errors.ts";
import type { Agent, Branch, Commit, Insight, Memory } from "../../core/types.ts";
import type { Store } from "../../store/store.ts";
import { blockPath, SETTINGS_PATH, settingsFile } from "./block-files.ts";
import { fastImport, fastImportStream, type ImportCommit } from "./fast-import.ts";
import { checkGitBranchName, git, gitBranches, runGit } from "./git-command.ts";
import { memoryFiles } from "./memory-files.ts";
import {
  knownCommits,
  MEMORIES_BRANCH,
  openRepository,
  type Repository,
  requireCleanWorkTree,
} from "./repository.ts";
import { writeState } from "./sync-state.ts";

export interface GitExportOptions {
  /** Also write memories and insights, as readable files on the `engram-memories` branch. */
  withMemories?: boolean | undefined;
}

/** What an export wrote. */
export interface GitExportReport {
  dir: string;
  /** Git commits made now (engram commits not in the repository before). */
  commits: number;
  /** Every branch and the git commit it is at. */
  branches: { name: string; head: string }[];
  /** Files on the memories branch, when asked for. */
  memories: number | null;
}

/** Commits read per store call while walking a branch back. */
const PAGE = 1000;

/**
 * Writes (or brings up to date) a git repository mirroring an agent's block history: one git commit
 * per engram commit, author, time and message kept; engram branches as git branches.
 */
export async function exportToGit(
  store: Store,
  agent: Agent,
  dir: string,
  options: GitExportOptions,
  readMemories: () => Promise<{ memories: Memory[]; insights: Insight[] }>,
  nowMs: number,
): Promise<GitExportReport> {
  const repo = await openRepository(dir, agent.id, true);
  await requireCleanWorkTree(repo);
  const branches = await store.history.listBranches(agent.id);
  for (const branch of branches) {
    if (branch.name === MEMORIES_BRANCH)
      throw new InvalidInputError(
        `branch "${MEMORIES_BRANCH}" is where memories are exported: rename it to export`,
      );
    await checkGitBranchName(repo.dir, branch.name);
  }
  const gitHeads = await gitBranches(repo.dir);
  checkNothingUnimported(repo, branches, gitHeads);

  const fresh = await newCommits(store, agent.id, branches, repo.state.commits);
  // Parents already in git: their trees, to write each new commit as a change of its parent's files.
  const byId = new Map(fresh.map((c) => [c.id, c]));
  for (const commit of fresh) {
    const parent = commit.parentId;
    if (parent !== null && !byId.has(parent)) {
      const known = await store.history.getCommit(agent.id, parent);
      if (known !== null) byId.set(parent, known);
    }
  }
  const blobValues = await store.history.getBlobs(agent.id, [
    ...new Set([...byId.values()].flatMap((c) => c.tree.map((e) => e.valueHash))),
  ]);
  // Where in git an engram commit is: after an import of commits that changed no block (a README,
  // say), git's branch is ahead of engram's commit, and new commits go on top of git's.
  const gitOf = new Map(Object.entries(repo.state.commits));
  for (const synced of Object.values(repo.state.synced)) gitOf.set(synced.engram, synced.git);
  let nextMark = 0;
  const blobMarks = new Map<string, number>();
  const blobs = new Map<number, string>();
  const blobOf = (key: string, value: string) => {
    let mark = blobMarks.get(key);
    if (mark === undefined) {
      mark = ++nextMark;
      blobMarks.set(key, mark);
      blobs.set(mark, value);
    }
    return mark;
  };
  const filesOf = (commit: Commit) => {
    const settings = settingsFile(commit.tree);
    const files = new Map([[SETTINGS_PATH, blobOf(`settings:${settings}`, settings)]]);
    for (const e of commit.tree)
      files.set(blockPath(e.label), blobOf(e.valueHash, blobValues.get(e.valueHash) ?? ""));
    return files;
  };
  const commitMarks = new Map<string, number>();
  const commits: ImportCommit[] = fresh.map((commit) => {
    const mark = ++nextMark;
    commitMarks.set(commit.id, mark);
    const parentCommit = commit.parentId === null ? undefined : byId.get(commit.parentId);
    const before = parentCommit === undefined ? new Map<string, number>() : filesOf(parentCommit);
    const after = filesOf(commit);
    const files = [...after]
      .filter(([path, blob]) => before.get(path) !== blob)
      .map(([path, blob]) => ({ path, blob }));
    const removed = [...before.keys()].filter((path) => !after.has(path));
    const parent =
      commit.parentId === null
        ? null
        : (commitMarks.get(commit.parentId) ?? gitOf.get(commit.parentId) ?? null);
    return {
      mark,
      parent,
      author: commit.author,
      time: Math.floor(Date.parse(commit.createdAt) / 1000),
      message: commit.message,
      files,
      removed,
    };
  });

  const targets = new Map<string, number | string>();
  for (const branch of branches) {
    const synced = repo.state.synced[branch.name];
    // An import that changed no block left engram's head where it was and git's ahead: keep git's.
    if (synced !== undefined && synced.engram === branch.head && gitHeads.get(branch.name) === synced.git)
      continue;
    targets.set(branch.name, commitMarks.get(branch.head) ?? (repo.state.commits[branch.head] as string));
  }
  let memoryCount: number | null = null;
  if (options.withMemories === true) {
    const { memories, insights } = await readMemories();
    const files = memoryFiles(memories, insights);
    memoryCount = files.length;
    const mark = ++nextMark;
    commits.push({
      mark,
      parent: gitHeads.get(MEMORIES_BRANCH) ?? null,
      author: "user",
      time: Math.floor(nowMs / 1000),
      message: `Memories and insights of agent ${agent.name}`,
      replace: true,
      files: files.map((f) => ({ path: f.path, blob: blobOf(`file:${f.path}:${f.text}`, f.text) })),
    });
    targets.set(MEMORIES_BRANCH, mark);
  }

  // fast-import only writes objects (on a work ref): the branches move after the state is saved, so
  // a crash in between leaves branches at commits the state knows, and the next run carries on.
  const marks = await fastImport(repo.dir, repo.gitDir, fastImportStream(blobs, commits, new Map()));
  for (const [id, mark] of commitMarks) repo.state.commits[id] = marks.get(mark) as string;
  const heads = new Map(gitHeads);
  for (const [name, target] of targets)
    heads.set(name, typeof target === "number" ? (marks.get(target) as string) : target);
  if (
    options.withMemories === true &&
    (await sameTree(repo, heads.get(MEMORIES_BRANCH), gitHeads.get(MEMORIES_BRANCH)))
  )
    heads.set(MEMORIES_BRANCH, gitHeads.get(MEMORIES_BRANCH) as string);
  const removed = removedBranches(repo, branches, gitHeads);
  for (const name of removed) heads.delete(name);
  for (const branch of branches) {
    repo.state.synced[branch.name] = { engram: branch.head, git: heads.get(branch.name) as string };
  }
  await writeState(repo.gitDir, repo.state);
  await moveBranches(repo, gitHeads, heads, removed);
  await checkOut(repo, agent.defaultBranch, heads);
  // In git's own order (by name), as for-each-ref lists them: `heads` is what the refs now hold.
  const after = [...heads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    dir: repo.dir,
    commits: commitMarks.size,
    branches: after.map(([name, head]) => ({ name, head })),
    memories: memoryCount,
  };
}

/** @throws InvalidInputError when git has commits on a branch that engram has not imported. */
function checkNothingUnimported(
  repo: Repository,
  branches: readonly Branch[],
  gitHeads: ReadonlyMap<string, string>,
) {
  for (const branch of branches) {
    const gitHead = gitHeads.get(branch.name);
    if (gitHead === undefined) continue;
    if (!knownCommits(repo).has(gitHead)) {
      throw new InvalidInputError(
        `git branch "${branch.name}" in ${repo.dir} is at ${gitHead.slice(0, 12)}, which engram has not imported: run engram git import first, so the export does not overwrite it`,
        { details: { branch: branch.name, gitHead } },
      );
    }
  }
}

/** Commits reachable from the branches and not yet in the repository, parents before children. */
async function newCommits(
  store: Store,
  agentId: string,
  branches: readonly Branch[],
  exported: Readonly<Record<string, string>>,
): Promise<Commit[]> {
  const found = new Map<string, Commit>();
  const chains: Commit[][] = [];
  for (const branch of branches) {
    const chain: Commit[] = [];
    let from: string | null = branch.head;
    walk: while (from !== null) {
      const page = await store.history.log(agentId, from, { limit: PAGE });
      for (const commit of page) {
        if (exported[commit.id] !== undefined || found.has(commit.id)) break walk;
        found.set(commit.id, commit);
        chain.push(commit);
      }
      from = page.length < PAGE ? null : (page.at(-1)?.parentId ?? null);
    }
    chains.push(chain.reverse());
  }
  // Each chain starts at a commit whose parent is exported, or found in an earlier chain: in order.
  return chains.flat();
}

/** Whether two commits hold the same files (the memories branch gets a commit only when they changed). */
async function sameTree(repo: Repository, a: string | undefined, b: string | undefined): Promise<boolean> {
  if (a === undefined || b === undefined) return false;
  const trees = await git(repo.dir, ["rev-parse", `${a}^{tree}`, `${b}^{tree}`]);
  const [ta, tb] = trees.trim().split("\n");
  return ta === tb;
}

/** Branches engram deleted since the last sync, to go from git too (unless git moved them meanwhile). */
function removedBranches(
  repo: Repository,
  branches: readonly Branch[],
  gitHeads: ReadonlyMap<string, string>,
): string[] {
  const live = new Set(branches.map((b) => b.name));
  const known = knownCommits(repo);
  const removed: string[] = [];
  for (const name of Object.keys(repo.state.synced)) {
    if (live.has(name)) continue;
    const head = gitHeads.get(name);
    if (head !== undefined && known.has(head)) removed.push(name);
    delete repo.state.synced[name];
  }
  return removed;
}

/** Moves every branch that changed, and deletes the removed ones, in one ref transaction. */
async function moveBranches(
  repo: Repository,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  removed: readonly string[],
): Promise<void> {
  const lines: string[] = [];
  for (const [name, sha] of after)
    if (before.get(name) !== sha) lines.push(`update refs/heads/${name} ${sha}\n`);
  for (const name of removed) lines.push(`delete refs/heads/${name}\n`);
  if (lines.length > 0) await git(repo.dir, ["update-ref", "--stdin"], lines.join(""));
}

/** Points HEAD at the default branch and brings the (clean) work tree to it. */
async function checkOut(repo: Repository, branch: string, heads: ReadonlyMap<string, string>): Promise<void> {
  const head = await runGit(repo.dir, ["symbolic-ref", "-q", "--short", "HEAD"]);
  const current = head.stdout.toString("utf8").trim();
  // A new repository, a detached or deleted head, or the memories branch: back to the default branch.
  if (head.code !== 0 || repo.empty || !heads.has(current) || current === MEMORIES_BRANCH) {
    await git(repo.dir, ["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
  }
  await git(repo.dir, ["reset", "-q", "--hard"]);
}
