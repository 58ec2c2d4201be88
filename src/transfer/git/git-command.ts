import { spawn } from "node:child_process";
import { EngramError, InvalidInputError } from "../../core/errors.ts";

/** The environment git runs in: no prompts, no pager, stable messages; the user's config still applies. */
function gitEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", LC_ALL: "C", ...extra };
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/**
 * Runs `git -C dir ARGS…`, feeding `input` (a string, or chunks written as the pipe drains) to its
 * standard input. Never goes through a shell.
 * @throws EngramError `git_unavailable` when there is no git command to run.
 */
export function runGit(
  dir: string,
  args: readonly string[],
  input?: string | Iterable<string | Buffer>,
  env: Record<string, string> = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", dir, ...args], { env: gitEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new EngramError(
              "unavailable",
              "git is not installed (no `git` command on PATH): install git to use engram git",
            )
          : error,
      );
    });
    child.on("close", (code) =>
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), code: code ?? 1 }),
    );
    // A git that exits early (bad input) closes the pipe: its exit code says why, not EPIPE.
    child.stdin.on("error", () => {});
    void feed(child.stdin, input);
  });
}

async function feed(stdin: NodeJS.WritableStream, input: string | Iterable<string | Buffer> | undefined) {
  if (input === undefined) {
    stdin.end();
    return;
  }
  const chunks = typeof input === "string" ? [input] : input;
  // Small pieces are gathered into writes of about 64 KiB: one pipe write per piece costs more.
  let pending: (string | Buffer)[] = [];
  let size = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const joined = Buffer.concat(pending.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
    pending = [];
    size = 0;
    if (!stdin.write(joined)) await new Promise((resolve) => stdin.once("drain", resolve));
  };
  for (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= 65_536) await flush();
  }
  await flush();
  stdin.end();
}

/** Runs git and returns its standard output as text. @throws EngramError naming the failed command. */
export async function git(dir: string, args: readonly string[], input?: string | Iterable<string | Buffer>) {
  const result = await runGit(dir, args, input);
  if (result.code !== 0) {
    throw new EngramError(
      "internal",
      `git ${args[0]} failed in ${dir}: ${result.stderr.trim() || `exit code ${result.code}`}`,
    );
  }
  return result.stdout.toString("utf8");
}

/** Whether `git -C dir ARGS…` exits 0 (for questions such as `merge-base --is-ancestor`). */
export async function gitSucceeds(dir: string, args: readonly string[]): Promise<boolean> {
  return (await runGit(dir, args)).code === 0;
}

/** @throws InvalidInputError when `name` cannot be a git branch name. */
export async function checkGitBranchName(dir: string, name: string): Promise<void> {
  if (!(await gitSucceeds(dir, ["check-ref-format", `refs/heads/${name}`]))) {
    throw new InvalidInputError(`branch "${name}" is not a valid git branch name, so it cannot be exported`, {
      details: { branch: name },
    });
  }
}

/** The branches of a repository: name → commit. */
export async function gitBranches(dir: string): Promise<Map<string, string>> {
  const text = await git(dir, ["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/"]);
  const branches = new Map<string, string>();
  for (const line of text.split("\n")) {
    const space = line.lastIndexOf(" ");
    if (space > 0) branches.set(line.slice(0, space), line.slice(space + 1));
  }
  return branches;
}

/**
 * Reads many objects' contents through one `git cat-file --batch`: sha → bytes. Each object is read
 * whole: these are block files, at most a block's limit each.
 */
export async function readObjects(dir: string, shas: readonly string[]): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  if (shas.length === 0) return result;
  const { stdout, code, stderr } = await runGit(dir, ["cat-file", "--batch"], `${shas.join("\n")}\n`);
  if (code !== 0) throw new EngramError("internal", `git cat-file failed in ${dir}: ${stderr.trim()}`);
  let at = 0;
  for (const sha of shas) {
    const newline = stdout.indexOf(10, at);
    const header = stdout.subarray(at, newline).toString("utf8");
    const [, type, size] = header.split(" ");
    if (type === undefined || size === undefined) {
      throw new EngramError("internal", `git cat-file could not read object ${sha} in ${dir}`);
    }
    const start = newline + 1;
    const end = start + Number(size);
    result.set(sha, stdout.subarray(start, end));
    at = end + 1;
  }
  return result;
}
