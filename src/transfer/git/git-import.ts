import { InvalidInputError } from "../../core/errors.ts";
import type { Agent, Branch, Commit } from "../../core/types.ts";
import { charCount, parseInput } from "../../core/validation.ts";
import type { BlockService } from "../../memory/blocks/block-service.ts";
import type { HistoryService } from "../../memory/blocks/history-service.ts";
import { type BlockChange, commitInput } from "../../memory/blocks/schemas.ts";
import type { Store } from "../../store/store.ts";
import { blockChanges, blocksFromFiles, type FileBlock, SETTINGS_PATH } from "./block-files.ts";
import { git, gitBranches, readObjects, runGit } from "./git-command.ts";
import { knownCommits, MEMORIES_BRANCH, openRepository, type Repository } from "./repository.ts";
import { writeState } from "./sync-state.ts";

/** What an import took into engram. */
export interface GitImportReport {
  dir: string;
  /** Engram commits made (git commits that changed no block make none). */
  commits: number;
  branches: { name: string; imported: number; head: string; created: boolean }[];
}

/** A git commit read for import: what the blocks became, and its message. */
interface GitCommit {
  sha: string;
  message: string;
  changes: BlockChange[];
  /** The blocks after it. */
  blocks: Map<string, FileBlock>;
}

/** One branch's plan: the engram head it starts from and the git commits to replay on it. */
interface BranchPlan {
  name: string;
  /**
   * The engram commit the branch is at or is to be created at; null when that is a git commit
   * replayed earlier in the same import (`baseSha`), known only once it is written.
   */
  base: string | null;
  baseSha: string;
  create: boolean;
  commits: GitCommit[];
  gitHead: string;
}

/**
 * Takes commits made in an exported repository with ordinary git tools back as engram commits
 * (authored `user`), on the branches they were made on. Every branch is planned and checked before
 * anything is written: a history that diverged from engram's, a merge, or a file that cannot be a
 * block is refused, naming the commits, and nothing changes. Each commit is written with
 * compare-and-swap on the head, so a writer racing the import makes it fail rather than interleave.
 */
export async function importFromGit(
  services: { store: Store; blocks: BlockService; history: HistoryService },
  agent: Agent,
  dir: string,
): Promise<GitImportReport> {
  const repo = await openRepository(dir, agent.id, false);
  const branches = new Map((await services.store.history.listBranches(agent.id)).map((b) => [b.name, b]));
  const gitHeads = await gitBranches(repo.dir);
  gitHeads.delete(MEMORIES_BRANCH);
  const byGit = new Map(Object.entries(repo.state.commits).map(([id, sha]) => [sha, id]));
  const known = knownCommits(repo);
  // Branches engram has first; then branches made in git, which may start on a commit of theirs.
  const plans: BranchPlan[] = [];
  const planned = new Map<string, Map<string, FileBlock>>();
  const order = [...gitHeads].sort(([a], [b]) => Number(branches.has(b)) - Number(branches.has(a)));
  for (const [name, gitHead] of order) {
    // A branch at a commit engram already has (an export stopped before it moved every branch, or a
    // branch reset to an older commit) has nothing to bring.
    if (known.has(gitHead)) continue;
    const plan = await planBranch(
      services.store,
      agent.id,
      repo,
      name,
      gitHead,
      branches.get(name),
      byGit,
      planned,
    );
    if (plan === null) continue;
    plans.push(plan);
    for (const commit of plan.commits) planned.set(commit.sha, commit.blocks);
  }
  const report: GitImportReport = { dir: repo.dir, commits: 0, branches: [] };
  // The engram commit each replayed git commit ended at (a commit that changed no block: the head).
  const engramAt = new Map<string, string>();
  for (const plan of plans) {
    let head = plan.base ?? (engramAt.get(plan.baseSha) as string);
    if (plan.create) await services.history.createBranch(agent.id, plan.name, { from: head });
    let imported = 0;
    for (const commit of plan.commits) {
      if (commit.changes.length > 0) {
        const result = await services.blocks.commit(agent.id, {
          branch: plan.name,
          changes: commit.changes,
          expectedHead: head,
          author: "user",
          message: commit.message,
        });
        if (result.changed) {
          head = result.commit.id;
          imported++;
          repo.state.commits[head] = commit.sha;
        }
      }
      engramAt.set(commit.sha, head);
      repo.state.synced[plan.name] = { engram: head, git: commit.sha };
      // Written after each commit: an import stopped halfway resumes from where it stopped.
      await writeState(repo.gitDir, repo.state);
    }
    if (plan.commits.length === 0) {
      repo.state.synced[plan.name] = { engram: head, git: plan.gitHead };
      await writeState(repo.gitDir, repo.state);
    }
    report.commits += imported;
    report.branches.push({ name: plan.name, imported, head, created: plan.create });
  }
  return report;
}

async function planBranch(
  store: Store,
  agentId: string,
  repo: Repository,
  name: string,
  gitHead: string,
  branch: Branch | undefined,
  byGit: ReadonlyMap<string, string>,
  planned: ReadonlyMap<string, Map<string, FileBlock>>,
): Promise<BranchPlan | null> {
  let base: string | null;
  let baseSha: string;
  let baseBlocks: Map<string, FileBlock> | undefined;
  if (branch !== undefined) {
    const synced = repo.state.synced[name];
    const exported = repo.state.commits[branch.head];
    if (synced !== undefined && synced.engram === branch.head) baseSha = synced.git;
    else if (exported !== undefined) baseSha = exported;
    else {
      throw new InvalidInputError(
        `engram's branch "${name}" moved since the last export (it is at ${branch.head.slice(0, 12)}, which ${repo.dir} does not have): run engram git export, then make the git commits again on top`,
        { details: { branch: name, engramHead: branch.head, gitHead } },
      );
    }
    base = branch.head;
    if (gitHead === baseSha) return null;
    if ((await runGit(repo.dir, ["merge-base", "--is-ancestor", baseSha, gitHead])).code !== 0) {
      throw new InvalidInputError(
        `git branch "${name}" (at ${gitHead.slice(0, 12)}) does not descend from ${baseSha.slice(0, 12)}, where engram's branch is: the histories diverged, so nothing was imported`,
        { details: { branch: name, gitHead, expected: baseSha } },
      );
    }
  } else {
    // A branch made in git: it starts at the newest commit both histories share, or will once the
    // other branches' commits are in.
    const chain = (await git(repo.dir, ["rev-list", "--first-parent", gitHead])).split("\n");
    const shared = chain.find((sha) => byGit.has(sha) || planned.has(sha));
    if (shared === undefined) {
      throw new InvalidInputError(
        `git branch "${name}" (at ${gitHead.slice(0, 12)}) shares no commit with engram's history: nothing was imported`,
        { details: { branch: name, gitHead } },
      );
    }
    baseSha = shared;
    base = byGit.get(shared) ?? null;
    baseBlocks = planned.get(shared);
  }
  const merge = (await git(repo.dir, ["rev-list", "--min-parents=2", `${baseSha}..${gitHead}`])).trim();
  if (merge !== "") {
    throw new InvalidInputError(
      `git branch "${name}" has a merge commit (${merge.split("\n")[0]?.slice(0, 12)}): engram histories are linear, so nothing was imported; rebase instead of merging`,
      { details: { branch: name, commit: merge.split("\n")[0] } },
    );
  }
  if (baseBlocks === undefined) {
    const commit = base === null ? null : await store.history.getCommit(agentId, base);
    if (commit === null) throw new InvalidInputError(`engram commit ${base} is missing`);
    baseBlocks = await engramBlocks(store, agentId, commit);
  }
  const commits = await readCommits(repo.dir, baseSha, gitHead, baseBlocks);
  return { name, base, baseSha, create: branch === undefined, commits, gitHead };
}

/** The blocks of an engram commit, as files would hold them. */
async function engramBlocks(store: Store, agentId: string, commit: Commit): Promise<Map<string, FileBlock>> {
  const values = await store.history.getBlobs(
    agentId,
    commit.tree.map((e) => e.valueHash),
  );
  return new Map(
    commit.tree.map((e) => [
      e.label,
      {
        value: values.get(e.valueHash) ?? "",
        description: e.description,
        limit: e.limit,
        readOnly: e.readOnly,
      },
    ]),
  );
}

/** Whether a path of the repository is part of the blocks (the rest, a README say, is not engram's). */
const isBlockFile = (path: string) => path === SETTINGS_PATH || path.startsWith("blocks/");

/**
 * The git commits after `from` up to `to`, oldest first, each with the block changes it makes. Reads
 * the whole range with three git processes whatever its length: the starting tree, every commit's
 * changed files (`log --raw`), and every file version needed (`cat-file --batch`).
 */
async function readCommits(
  dir: string,
  from: string,
  to: string,
  start: Map<string, FileBlock>,
): Promise<GitCommit[]> {
  let files = await treeObjects(dir, from);
  const raw = await git(dir, [
    "log",
    "--reverse",
    "-z",
    "--no-renames",
    "--raw",
    "--no-abbrev",
    "--format=%x01%H%x02%B%x03",
    `${from}..${to}`,
  ]);
  const states: { sha: string; message: string; files: Map<string, string> }[] = [];
  for (const chunk of raw.split("\x01").slice(1)) {
    const sha = chunk.slice(0, chunk.indexOf("\x02"));
    const message = chunk.slice(sha.length + 1, chunk.indexOf("\x03")).replace(/\n+$/, "");
    files = new Map(files);
    // After the message: ":MODE MODE OLD NEW STATUS\0PATH\0" for each changed file.
    const fields = chunk.slice(chunk.indexOf("\x03") + 1).split("\0");
    for (let i = 0; i + 1 < fields.length; i++) {
      const meta = fields[i]?.trim() ?? "";
      if (!meta.startsWith(":")) continue;
      const path = fields[++i] as string;
      if (!isBlockFile(path)) continue;
      const [, , , object, status] = meta.split(" ");
      if (status === "D") files.delete(path);
      else files.set(path, object as string);
    }
    states.push({ sha, message, files });
  }
  const objects = await readObjects(dir, [...new Set(states.flatMap((state) => [...state.files.values()]))]);
  const commits: GitCommit[] = [];
  let blocks = start;
  for (const { sha, message, files: paths } of states) {
    const contents = new Map([...paths].map(([path, object]) => [path, objects.get(object) as Buffer]));
    const after = blocksFromFiles(contents, sha);
    const changes = blockChanges(blocks, after);
    checkCommit(sha, message, changes, after);
    commits.push({
      sha,
      message: message === "" ? `git commit ${sha.slice(0, 12)}` : message,
      changes,
      blocks: after,
    });
    blocks = after;
  }
  return commits;
}

/** The block files of a git commit: path → object. */
async function treeObjects(dir: string, sha: string): Promise<Map<string, string>> {
  const listing = await git(dir, ["ls-tree", "-r", "-z", "--full-tree", sha]);
  const files = new Map<string, string>();
  for (const line of listing.split("\0")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const [, type, object] = line.slice(0, tab).split(" ");
    const path = line.slice(tab + 1);
    if (type === "blob" && object !== undefined && isBlockFile(path)) files.set(path, object);
  }
  return files;
}

/** Checks a commit as engram's own commit would, before anything is written. */
function checkCommit(sha: string, message: string, changes: BlockChange[], blocks: Map<string, FileBlock>) {
  const where = `git commit ${sha.slice(0, 12)}`;
  if (changes.length === 0) return;
  parseInput(commitInput, { changes, author: "user", ...(message === "" ? {} : { message }) }, where);
  for (const [label, block] of blocks) {
    const size = charCount(block.value);
    if (size > block.limit) {
      throw new InvalidInputError(
        `${where}: block "${label}" holds ${size} characters, over its limit of ${block.limit}: nothing was imported`,
        { details: { commit: sha, label, size, limit: block.limit } },
      );
    }
  }
}
