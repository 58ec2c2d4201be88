import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { ServeProcess } from "../bench/serve-process.ts";
import { memorisingModel, memoryTasks } from "../evolution/test-models.ts";
import { createTestEngram } from "../test/index.ts";
import { chromiumStatus, type launchChromium } from "./browser.ts";
import { openInspectorPage, startBrowserTest, stopBrowserTest } from "./inspector-test-support.ts";

const chromium = chromiumStatus();
const skip = chromium.available || process.env.CI === "true" ? false : chromium.hint;
if (skip !== false) console.log(`# inspector paging tests skipped: ${skip}`);

/** The page's globals, typed just enough for the checks run inside it. */
interface Window {
  document: {
    documentElement: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): unknown;
    querySelectorAll(selector: string): { length: number };
  };
}

/** More than the inspector reads at once: 100 commits a branch, 100 jobs, 50 evolution runs. */
const COMMITS_EACH = 110;
const JOBS = 130;
const RUNS = 60;

/**
 * An agent whose two branches each hold more commits than a page, made in turn so that their
 * commits interleave in time, and with more sleep-time jobs and evolution runs than a page.
 */
async function seedLongLists(path: string): Promise<string> {
  const engram = createTestEngram({ path });
  try {
    const agent = await engram.agents.create({ name: "long-lived" });
    for (let i = 1; i <= 10; i++)
      await engram.blocks.set(agent.id, "log", `Main ${i}`, { message: `Main ${i}` });
    await engram.history.createBranch(agent.id, "side");
    for (let i = 1; i <= COMMITS_EACH; i++) {
      await engram.blocks.set(agent.id, "log", `Main ${10 + i}`, { message: `Main ${10 + i}` });
      await engram.blocks.set(agent.id, "log", `Side ${i}`, { branch: "side", message: `Side ${i}` });
    }
    // The oldest job is of another kind, so the last row after paging is known to be the first job.
    await engram.sleeptime.enqueue(agent.id, { jobs: ["consolidate"] });
    for (let i = 1; i < JOBS; i++) await engram.sleeptime.enqueue(agent.id, { jobs: ["forget"] });
    await engram.blocks.set(agent.id, "notes", "", { message: "Notes for evolution" });
    for (let seed = 1; seed <= RUNS; seed++) {
      const { model } = memorisingModel();
      await engram.evolution.evolve(agent.id, {
        tasks: memoryTasks(),
        rounds: 1,
        minibatch: 1,
        seed,
        components: ["block:notes"],
        model,
      });
    }
    return agent.id;
  } finally {
    await engram.close();
  }
}

describe("the inspector pages through long lists, in headless Chromium", { skip }, () => {
  let dir: string;
  let agentId: string;
  let server: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.ok(chromium.available, chromium.hint);
    ({ dir, agentId, server, browser, page } = await startBrowserTest(
      "engram-inspector-paging-",
      seedLongLists,
      problems,
    ));
  });

  after(async () => {
    await stopBrowserTest(browser, [server], dir);
  });

  const go = (hash: string) => openInspectorPage(page, server.url, hash);

  /** Every item of a list, read from the API a page of 500 at a time. */
  async function everything<T>(path: string, query = ""): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const response = await fetch(`${server.url}/v1/agents/${agentId}/${path}?limit=500${query}${after}`);
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as { items: T[]; nextCursor: string | null };
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== null);
    return items;
  }

  /** Waits until `selector` matches more than `n` elements. */
  const moreThan = (selector: string, n: number) =>
    page.waitForFunction(
      ([s, count]) => (globalThis as unknown as Window).document.querySelectorAll(s).length > count,
      [selector, n] as const,
    );

  it("shows every branch's older commits under “All branches”, newest first, and then no button", async () => {
    problems.length = 0;
    const read = new Map<string, string>();
    for (const branch of ["main", "side"])
      for (const c of await everything<{ id: string; createdAt: string }>("commits", `&branch=${branch}`))
        read.set(c.id, c.createdAt);
    const newestFirst = [...read].sort(([, a], [, b]) => (a < b ? 1 : -1)).map(([id]) => id);
    assert.ok(newestFirst.length > 200, `${newestFirst.length} commits: more than a page of each branch`);
    await go(`/agents/${agentId}/history?branch=*`);
    const older = page.getByRole("button", { name: "Older commits" });
    const shown = page.locator("#timeline li");
    const ids = () =>
      shown.evaluateAll((items) =>
        items.map((li) => (li as unknown as { dataset: { commit: string } }).dataset.commit),
      );
    await shown.first().waitFor();
    assert.equal(await older.isVisible(), true, "more commits than a page: the button is there");
    // The newest commits across both branches, with none missing among them.
    const first = await ids();
    assert.ok(first.length < newestFirst.length, `${first.length} commits shown at first`);
    assert.deepEqual(first, newestFirst.slice(0, first.length));
    assert.equal(await page.locator("#timeline .message", { hasText: /^Main 1$/ }).count(), 0);
    await older.click();
    await moreThan("#timeline li", first.length);
    await older.waitFor({ state: "hidden" });
    assert.deepEqual(await ids(), newestFirst, "every commit once, newest first");
    assert.equal(await page.locator("#timeline .message", { hasText: /^Main 1$/ }).count(), 1);
    assert.deepEqual(problems, []);
  });

  it("shows older sleep-time jobs and evolution runs a page at a time, and then no button", async () => {
    problems.length = 0;
    const jobs = await everything<{ kind: string }>("jobs");
    const runs = await everything<{ id: string }>("evolution-runs");
    assert.equal(jobs.length, JOBS);
    assert.equal(runs.length, RUNS);
    await go(`/agents/${agentId}/learning`);
    const jobRows = page.locator("#jobs-title + div tbody tr");
    const runRows = page.locator("#runs-title + div tbody tr");
    assert.equal(await jobRows.count(), 100);
    assert.equal(await runRows.count(), 50);

    const olderJobs = page.getByRole("button", { name: "Older jobs" });
    assert.equal(await olderJobs.isVisible(), true);
    await olderJobs.click();
    await moreThan("#jobs-title + div tbody tr", 100);
    await olderJobs.waitFor({ state: "hidden" });
    assert.deepEqual(
      await jobRows.locator("td:first-child").allInnerTexts(),
      jobs.map((j) => j.kind),
    );
    assert.equal(await jobRows.last().locator("td").first().innerText(), "consolidate");

    const olderRuns = page.getByRole("button", { name: "Older runs" });
    assert.equal(await olderRuns.isVisible(), true);
    await olderRuns.click();
    await moreThan("#runs-title + div tbody tr", 50);
    await olderRuns.waitFor({ state: "hidden" });
    assert.deepEqual(
      await runRows.locator("td:first-child").allInnerTexts(),
      runs.map((r) => r.id.slice(-10)),
    );
    // A run from the older page opens like one from the first.
    await runRows.last().getByRole("button", { name: "Scores and candidates" }).click();
    await page.locator("#run-report h3", { hasText: runs.at(-1)?.id.slice(-10) ?? "?" }).waitFor();
    assert.deepEqual(problems, []);
  });
});
