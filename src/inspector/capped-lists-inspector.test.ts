import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { ServeProcess } from "../bench/serve-process.ts";
import { createTestEngram } from "../test/index.ts";
import { chromiumStatus, type launchChromium } from "./browser.ts";
import { openInspectorPage, startBrowserTest, stopBrowserTest } from "./inspector-test-support.ts";

const chromium = chromiumStatus();
const skip = chromium.available || process.env.CI === "true" ? false : chromium.hint;
if (skip !== false) console.log(`# inspector capped-list tests skipped: ${skip}`);

/** Just over what the inspector reads at once: 2,000 episodes, 600 insights, 200 branches. */
const EPISODES = 2001;
const INSIGHTS = 601;
const BRANCHES = 201;

/**
 * An agent with more episodes, insights and branches than the inspector reads at once. Its branches
 * are named so that they sort before "main", which is then beyond the first page.
 */
async function seedLongLists(path: string): Promise<string> {
  const engram = createTestEngram({ path });
  try {
    const agent = await engram.agents.create({ name: "busy" });
    // The oldest episode is the only failure, so whether it was read shows in the counts.
    for (let i = 1; i <= EPISODES; i++) {
      await engram.experience.recordEpisode(agent.id, {
        task: `Task ${i % 3}`,
        steps: [{ observation: "o", action: "a", reward: i === 1 ? 0 : 1, availableActions: ["a"] }],
        success: i !== 1,
      });
    }
    for (let from = 0; from < INSIGHTS; from += 100) {
      const texts = Array.from({ length: Math.min(100, INSIGHTS - from) }, (_, i) => `Rule ${from + i}`);
      await engram.insights.apply(
        agent.id,
        texts.map((text) => ({ op: "add", text })),
      );
    }
    for (let i = 0; i < BRANCHES; i++)
      await engram.history.createBranch(agent.id, `b${String(i).padStart(3, "0")}`);
    return agent.id;
  } finally {
    await engram.close();
  }
}

describe("the inspector says or pages past what it reads at once, in headless Chromium", { skip }, () => {
  let dir: string;
  let agentId: string;
  let server: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.ok(chromium.available, chromium.hint);
    ({ dir, agentId, server, browser, page } = await startBrowserTest(
      "engram-inspector-capped-",
      seedLongLists,
      problems,
    ));
  });

  after(async () => {
    await stopBrowserTest(browser, [server], dir);
  });

  const go = (hash: string) => openInspectorPage(page, server.url, hash);

  it("says the learning curve shows only the latest 2,000 episodes", async () => {
    problems.length = 0;
    await go(`/agents/${agentId}/learning`);
    assert.equal(
      await page.locator("#episodes-title").innerText(),
      "Episodes (the latest 2000; older ones exist)",
    );
    assert.match(
      await page.locator("#episodes-capped").innerText(),
      /Only the latest 2000 episodes are read/,
    );
    assert.equal(
      await page.getByText(/^2000 finished, 2000 successful\.$/).count(),
      1,
      "the oldest episode, the failure, is not read",
    );
    assert.deepEqual(problems, []);
  });

  it("shows more insights a page at a time, and then no button", async () => {
    problems.length = 0;
    await go(`/agents/${agentId}/learning`);
    const rules = page.locator("ol.insights li");
    const title = page.locator("#insights-title");
    const more = page.getByRole("button", { name: "More insights" });
    assert.equal(await rules.count(), 200);
    assert.equal(await title.innerText(), "Insights (the strongest 200; more exist)");
    for (const shown of [400, 600, INSIGHTS]) {
      await more.click();
      await page.waitForFunction(
        (n) => (globalThis as unknown as Window).document.querySelectorAll("ol.insights li").length === n,
        shown,
      );
    }
    await more.waitFor({ state: "hidden" });
    assert.equal(await title.innerText(), `Insights (${INSIGHTS})`);
    const texts = (await rules.allInnerTexts()).map((t) => t.replace(/^×\d+\s*/, ""));
    assert.equal(new Set(texts).size, INSIGHTS, "every rule once");
    assert.deepEqual(problems, []);
  });

  it("lists more branches on request, with the shown branch listed even when it sorts later", async () => {
    problems.length = 0;
    await go(`/agents/${agentId}/history`);
    const select = page.getByLabel("Branch");
    const names = () => select.locator("option").allInnerTexts();
    const more = page.getByRole("button", { name: "More branches" });
    await page.locator("#timeline li").first().waitFor();
    assert.equal(await select.inputValue(), "main", "the default branch is listed and chosen");
    assert.equal((await names()).length, 1 + 200 + 1, "All branches, the first page, and main");
    assert.match(await page.locator("#branches-capped").innerText(), /more exist/);
    await more.click();
    await more.waitFor({ state: "hidden" });
    assert.equal(await page.locator("#branches-capped").isVisible(), false);
    const listed = await names();
    assert.equal(listed.length, 1 + BRANCHES + 1, "every branch once");
    assert.equal(new Set(listed).size, listed.length);
    assert.ok(listed.includes("b200"));
    assert.deepEqual(problems, []);
  });
});

/** The page's globals, typed just enough for the checks run inside it. */
interface Window {
  document: { querySelectorAll(selector: string): { length: number } };
}
