import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import { InvalidInputError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { createTestEngram } from "../../test/index.ts";

const root = mkdtempSync(join(tmpdir(), "engram-git-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Runs the real git in `dir`, as a person at a terminal would. */
function git(dir: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-C", dir, "-c", "user.name=Ada", "-c", "user.email=ada@example.com", ...args],
    {
      encoding: "utf8",
    },
  );
}

function commitFile(dir: string, path: string, text: string, message: string) {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
}

let engram: Engram;
let agentId: string;
let dir: string;
beforeEach(async () => {
  engram = createTestEngram();
  const agent = await engram.agents.create({
    name: "helper",
    blocks: [{ label: "persona", value: "I help." }],
  });
  agentId = agent.id;
  await engram.blocks.set(agentId, "human", "Ada likes tea", {
    author: "agent",
    message: "learned about Ada",
  });
  await engram.history.createBranch(agentId, "draft");
  await engram.blocks.set(agentId, "persona", "I help, briefly.", { branch: "draft", author: "sleeptime" });
  dir = join(root, `repo-${++n}`);
});

const engramLog = async (branch = "main") =>
  (await engram.history.log(agentId, { branch })).items.map((c) => ({
    message: c.message,
    author: c.author,
  }));

describe("engram git export", () => {
  it("writes one git commit per engram commit with author, time and message, blocks as files, branches as branches", async () => {
    const report = await engram.git.export(agentId, dir);
    assert.equal(report.commits, 3);
    assert.deepEqual(report.branches.map((b) => b.name).sort(), ["draft", "main"]);
    const log = git(dir, "log", "--format=%an|%at|%s", "main").trim().split("\n");
    const commits = (await engram.history.log(agentId, { branch: "main" })).items;
    assert.deepEqual(
      log,
      commits.map((c) => `${c.author}|${Math.floor(Date.parse(c.createdAt) / 1000)}|${c.message}`),
    );
    assert.equal(
      git(dir, "log", "-1", "--format=%an %s", "draft").trim(),
      `sleeptime ${(await engramLog("draft"))[0]?.message}`,
    );
    // The work tree is the default branch, each block's value byte for byte.
    assert.equal(readFileSync(join(dir, "blocks/persona.md"), "utf8"), "I help.");
    assert.equal(readFileSync(join(dir, "blocks/human.md"), "utf8"), "Ada likes tea");
    const settings = JSON.parse(readFileSync(join(dir, "blocks.json"), "utf8"));
    assert.deepEqual(Object.keys(settings), ["human", "persona"]);
    assert.equal(settings.persona.readOnly, false);
    assert.equal(git(dir, "status", "--porcelain"), "");
  });

  it("updates a repository it wrote: only new commits, the old ones kept as they were", async () => {
    const first = await engram.git.export(agentId, dir);
    const before = git(dir, "rev-parse", "main").trim();
    const again = await engram.git.export(agentId, dir);
    assert.equal(again.commits, 0);
    assert.deepEqual(again.branches, first.branches);
    await engram.blocks.set(agentId, "human", "Ada likes green tea", { message: "tea detail" });
    const third = await engram.git.export(agentId, dir);
    assert.equal(third.commits, 1);
    assert.equal(git(dir, "rev-parse", "main~1").trim(), before);
    assert.equal(git(dir, "log", "-1", "--format=%s", "main").trim(), "tea detail");
    assert.equal(readFileSync(join(dir, "blocks/human.md"), "utf8"), "Ada likes green tea");
  });

  it("writes memories and insights as files on their own branch when asked, and no new commit when unchanged", async () => {
    await engram.memories.add(agentId, { text: "Ada lives in Lisbon", tags: ["home"] });
    const report = await engram.git.export(agentId, dir, { withMemories: true });
    assert.equal(report.memories, 1);
    const files = git(dir, "ls-tree", "-r", "--name-only", "engram-memories").trim().split("\n");
    assert.equal(files.length, 1);
    assert.match(files[0] ?? "", /^memories\/mem_\w+\.md$/);
    const text = git(dir, "show", `engram-memories:${files[0]}`);
    assert.match(text, /^---\nid: "mem_\w+"\nkind: "fact"/);
    assert.match(text, /tags: \["home"\]/);
    assert.match(text, /---\nAda lives in Lisbon\n$/);
    const head = git(dir, "rev-parse", "engram-memories").trim();
    await engram.git.export(agentId, dir, { withMemories: true });
    assert.equal(git(dir, "rev-parse", "engram-memories").trim(), head);
    // The default branch stays checked out.
    assert.equal(git(dir, "symbolic-ref", "--short", "HEAD").trim(), "main");
  });

  it("refuses a folder that is not its own: other files, another repository's history, another agent", async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    await assert.rejects(
      engram.git.export(agentId, dir),
      (e: unknown) => e instanceof InvalidInputError && /not a git repository and not empty/.test(e.message),
    );
    const foreign = join(root, `foreign-${n}`);
    mkdirSync(foreign);
    git(foreign, "init", "-q");
    commitFile(foreign, "a.txt", "a", "someone else's");
    await assert.rejects(engram.git.export(agentId, foreign), /history engram did not write/);
    await assert.rejects(engram.git.import(agentId, foreign), /history engram did not write/);
    assert.equal(git(foreign, "log", "--format=%s").trim(), "someone else's");
    const other = await engram.agents.create({ name: "other" });
    await engram.git.export(agentId, join(root, `mine-${n}`));
    await assert.rejects(engram.git.export(other.id, join(root, `mine-${n}`)), /mirrors agent agt_/);
    await assert.rejects(engram.git.import(agentId, join(root, `missing-${n}`)), /not a git repository/);
  });

  it("carries on an export that stopped after saving its state but before moving the branches", async () => {
    await engram.git.export(agentId, dir);
    const old = git(dir, "rev-parse", "main").trim();
    await engram.blocks.set(agentId, "human", "Ada likes green tea", { message: "tea detail" });
    await engram.git.export(agentId, dir);
    const exported = git(dir, "rev-parse", "main").trim();
    // As a crash between the two would leave it: the state knows the new commit, main does not.
    git(dir, "update-ref", "refs/heads/main", old);
    git(dir, "reset", "-q", "--hard");
    assert.equal((await engram.git.import(agentId, dir)).commits, 0);
    assert.equal((await engram.git.export(agentId, dir)).commits, 0);
    assert.equal(git(dir, "rev-parse", "main").trim(), exported);
    assert.equal(readFileSync(join(dir, "blocks/human.md"), "utf8"), "Ada likes green tea");
  });

  it("refuses to overwrite what git has that engram has not imported, or uncommitted edits", async () => {
    await engram.git.export(agentId, dir);
    writeFileSync(join(dir, "blocks/human.md"), "edited, not committed");
    await assert.rejects(engram.git.export(agentId, dir), /uncommitted changes/);
    git(dir, "commit", "-q", "-am", "Ada, from git");
    const head = git(dir, "rev-parse", "main").trim();
    await assert.rejects(
      engram.git.export(agentId, dir),
      /which engram has not imported: run engram git import first/,
    );
    assert.equal(git(dir, "rev-parse", "main").trim(), head);
  });
});

describe("engram git import", () => {
  it("takes commits made with git as engram commits authored user, message kept, then exports them as they are", async () => {
    await engram.git.export(agentId, dir);
    commitFile(dir, "blocks/human.md", "Ada likes green tea", "Ada prefers green tea");
    commitFile(dir, "blocks/notes.md", "remember the milk", "add a notes block");
    commitFile(dir, "README.md", "not a block", "readme only");
    const gitHead = git(dir, "rev-parse", "main").trim();
    const report = await engram.git.import(agentId, dir);
    assert.equal(report.commits, 2);
    assert.deepEqual(
      report.branches.map((b) => [b.name, b.imported, b.created]),
      [["main", 2, false]],
    );
    assert.deepEqual((await engramLog()).slice(0, 2), [
      { message: "add a notes block", author: "user" },
      { message: "Ada prefers green tea", author: "user" },
    ]);
    assert.equal((await engram.blocks.get(agentId, "notes")).value, "remember the milk");
    assert.equal((await engram.blocks.get(agentId, "human")).value, "Ada likes green tea");
    // Importing again finds nothing; exporting adds nothing and keeps git's own commits.
    assert.equal((await engram.git.import(agentId, dir)).commits, 0);
    assert.equal((await engram.git.export(agentId, dir)).commits, 0);
    assert.equal(git(dir, "rev-parse", "main").trim(), gitHead);
    // A later engram commit goes on top of git's, README and all.
    await engram.blocks.set(agentId, "persona", "I help, kindly.");
    await engram.git.export(agentId, dir);
    assert.equal(git(dir, "rev-parse", "main~1").trim(), gitHead);
    assert.equal(readFileSync(join(dir, "README.md"), "utf8"), "not a block");
    assert.equal(readFileSync(join(dir, "blocks/persona.md"), "utf8"), "I help, kindly.");
  });

  it("takes a branch made in git as a new engram branch, even one that starts on a commit made in git", async () => {
    await engram.git.export(agentId, dir);
    commitFile(dir, "blocks/human.md", "Ada likes coffee now", "coffee");
    git(dir, "checkout", "-q", "-b", "experiment");
    commitFile(dir, "blocks/persona.md", "I help, boldly.", "bolder");
    git(dir, "checkout", "-q", "main");
    const report = await engram.git.import(agentId, dir);
    assert.deepEqual(
      report.branches.map((b) => [b.name, b.imported, b.created]),
      [
        ["main", 1, false],
        ["experiment", 1, true],
      ],
    );
    const experiment = (await engram.history.log(agentId, { branch: "experiment" })).items;
    assert.deepEqual(
      experiment.slice(0, 2).map((c) => c.message),
      ["bolder", "coffee"],
    );
    assert.equal(experiment[1]?.id, (await engram.history.log(agentId, { branch: "main" })).items[0]?.id);
  });

  it("takes settings edited in blocks.json and blocks deleted with git rm", async () => {
    await engram.git.export(agentId, dir);
    const settings = JSON.parse(readFileSync(join(dir, "blocks.json"), "utf8"));
    settings.persona = { ...settings.persona, limit: 100, description: "who I am" };
    writeFileSync(join(dir, "blocks.json"), JSON.stringify(settings));
    git(dir, "rm", "-q", "blocks/human.md");
    git(dir, "commit", "-q", "-am", "tidy");
    await engram.git.import(agentId, dir);
    const blocks = (await engram.blocks.list(agentId)).blocks;
    assert.deepEqual(
      blocks.map((b) => [b.label, b.limit, b.description]),
      [["persona", 100, "who I am"]],
    );
  });

  it("refuses a diverged history, naming the commits, and changes nothing", async () => {
    await engram.git.export(agentId, dir);
    commitFile(dir, "blocks/human.md", "from git", "git side");
    await engram.blocks.set(agentId, "human", "from engram", { message: "engram side" });
    const before = await engramLog();
    await assert.rejects(
      engram.git.import(agentId, dir),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        /engram's branch "main" moved since the last export \(it is at [0-9a-f]{12}/.test(e.message),
    );
    assert.deepEqual(await engramLog(), before);
    // History rewritten in git: its branch no longer descends from what engram has.
    const other = join(root, `rewritten-${n}`);
    await engram.git.export(agentId, other);
    git(other, "reset", "-q", "--hard", "main~2");
    commitFile(other, "blocks/persona.md", "rewritten", "rewrite");
    await assert.rejects(
      engram.git.import(agentId, other),
      /does not descend from [0-9a-f]{12}, where engram's branch is/,
    );
    assert.deepEqual(await engramLog(), before);
  });

  it("refuses bad files, merges and over-limit blocks before writing anything", async () => {
    await engram.git.export(agentId, dir);
    git(dir, "checkout", "-q", "-b", "good");
    commitFile(dir, "blocks/human.md", "fine change", "fine");
    git(dir, "checkout", "-q", "main");
    commitFile(dir, "blocks/bad name.txt", "x", "a stray file");
    const before = { main: await engramLog(), branches: (await engram.history.listBranches(agentId)).length };
    await assert.rejects(
      engram.git.import(agentId, dir),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        /blocks\/bad name\.txt in git commit [0-9a-f]{12} is not a block/.test(e.message),
    );
    git(dir, "reset", "-q", "--hard", "main~1");
    const settings = JSON.parse(readFileSync(join(dir, "blocks.json"), "utf8"));
    settings.human.limit = 3;
    writeFileSync(join(dir, "blocks.json"), JSON.stringify(settings));
    git(dir, "commit", "-q", "-am", "tiny limit");
    await assert.rejects(
      engram.git.import(agentId, dir),
      /block "human" holds 13 characters, over its limit of 3/,
    );
    git(dir, "reset", "-q", "--hard", "main~1");
    git(dir, "merge", "-q", "--no-ff", "-m", "merge good", "good");
    await assert.rejects(engram.git.import(agentId, dir), /has a merge commit/);
    // The valid branch beside the bad ones was not taken either.
    assert.deepEqual(
      { main: await engramLog(), branches: (await engram.history.listBranches(agentId)).length },
      before,
    );
  });
});
