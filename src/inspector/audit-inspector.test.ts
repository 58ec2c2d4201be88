import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { type ServeProcess, spawnServe } from "../bench/serve-process.ts";
import { chromiumStatus, launchChromium } from "./browser.ts";
import { type InspectorDemo, seedInspectorDemo } from "./demo-data.ts";
import { openInspectorPage, stopBrowserTest } from "./inspector-test-support.ts";

const chromium = chromiumStatus();
const skip = chromium.available || process.env.CI === "true" ? false : chromium.hint;
if (skip !== false) console.log(`# inspector audit tests skipped: ${skip}`);

/** The page's globals, typed just enough for the checks run inside it. */
interface Window {
  location: { hash: string };
  document: {
    documentElement: {
      dataset: Record<string, string | undefined>;
      scrollWidth: number;
      clientWidth: number;
    };
    querySelector(selector: string): { replaceChildren(): void } | null;
    querySelectorAll(selector: string): { length: number };
  };
}

/**
 * What a demanding user meets beyond the happy paths: a control hidden by the page stays hidden, a
 * failed load says so, a mistyped address gets words rather than a page stuck loading, a page left
 * before it loaded does not leave its crumbs on the next one, the agent search finds projects, and
 * a long key or tag does not push a narrow window sideways.
 */
describe("the inspector, audited in headless Chromium", { skip }, () => {
  let dir: string;
  let demo: InspectorDemo;
  let open: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.ok(chromium.available, chromium.hint);
    dir = mkdtempSync(join(tmpdir(), "engram-inspector-audit-"));
    demo = await seedInspectorDemo(join(dir, "demo.db"), { commits: 105 });
    [open, browser] = await Promise.all([spawnServe(join(dir, "demo.db"), ["--no-sleep"]), launchChromium()]);
    page = await browser.context.newPage();
    page.on("pageerror", (e) => problems.push(e.message));
  });

  after(async () => {
    await stopBrowserTest(browser, [open], dir);
  });

  const go = (hash: string) => openInspectorPage(page, open.url, hash);

  it("shows the memory search's At field only for “True at…”", async () => {
    problems.length = 0;
    await go(`/agents/${demo.agentId}/memory`);
    const at = page.getByLabel("At", { exact: true });
    assert.equal(await at.isVisible(), false, "True now: no time to give");
    await page.getByLabel("Valid").selectOption("at");
    assert.equal(await at.isVisible(), true);
    await page.getByLabel("Valid").selectOption("any");
    assert.equal(await at.isVisible(), false);
    assert.deepEqual(problems, []);
  });

  it("finds agents by their project's name, as the search box says", async () => {
    await go("/");
    await page.getByLabel("Search agents").fill("other");
    await page.locator("#agent-list li", { hasText: "secret-agent" }).waitFor({ timeout: 2_000 });
    assert.equal(await page.locator("#agent-list li").count(), 1);
  });

  it("says what is wrong with an address whose escapes are broken, rather than loading forever", async () => {
    problems.length = 0;
    await page.goto(`${open.url}/#/agents/%E0%A4%A/memory`);
    await page.locator(".problem").waitFor({ timeout: 5_000 });
    assert.match(await page.locator("main").innerText(), /Agent not found/);
    assert.deepEqual(problems, []);
  });

  it("keeps the crumbs and title of the page shown, not of one left before it loaded", async () => {
    await go("/");
    const agent = (url: URL) => url.pathname.endsWith(`/v1/agents/${demo.agentId}`);
    await page.route(agent, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.continue();
    });
    await page.evaluate((id) => {
      (globalThis as unknown as Window).location.hash = `#/agents/${id}/memory`;
    }, demo.agentId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await page.evaluate(() => {
      (globalThis as unknown as Window).location.hash = "#/";
    });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await page.unroute(agent);
    assert.equal((await page.locator("#crumbs").innerText()).trim(), "Agents");
    assert.equal(await page.title(), "Agents · engram inspector");
  });

  it("says so when older commits or another branch's commits cannot be read", async () => {
    problems.length = 0;
    await go(`/agents/${demo.busyAgentId}/history`);
    const failing = (url: URL) => url.pathname.endsWith("/commits");
    await page.route(failing, (route) =>
      route.fulfill({
        status: 500,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "internal", message: "the disk is on fire" } }),
      }),
    );
    await page.getByRole("button", { name: "Older commits" }).click();
    await page.locator("#history-status", { hasText: "the disk is on fire" }).waitFor({ timeout: 3_000 });
    await page.getByLabel("Branch", { exact: true }).selectOption("*");
    await page.waitForFunction(
      () => (globalThis as unknown as Window).document.querySelector("#history-status .problem") !== null,
    );
    await page.unroute(failing);
    assert.deepEqual(problems, [], "no failure left unhandled");
  });

  it("shows the event log latest first, and earlier events a page at a time", async () => {
    const log = await fetch(`${open.url}/v1/agents/${demo.busyAgentId}/events?order=desc&limit=500`);
    const latest = ((await log.json()) as { items: { seq: number }[] }).items.map((e) => e.seq);
    assert.ok(latest.length > 100, `${latest.length} events: more than a page`);
    await go(`/agents/${demo.busyAgentId}/history`);
    const seqs = async () =>
      (await page.locator("#events tr td:first-child").allInnerTexts()).map((text) => Number(text));
    await page.locator("#events tr").first().waitFor();
    assert.deepEqual(await seqs(), latest.slice(0, 100));
    await page.getByRole("button", { name: "Earlier events" }).click();
    await page.waitForFunction(
      (n) => (globalThis as unknown as Window).document.querySelectorAll("#events tr").length > n,
      100,
    );
    assert.deepEqual(await seqs(), latest.slice(0, Math.min(200, latest.length)));
  });

  it("opens the fact that superseded a closed one, with its text and validity", async () => {
    problems.length = 0;
    await go(`/agents/${demo.agentId}/memory?key=user.employer`);
    const closed = page.locator("#memory-list article", { hasText: "Ada works at Acme" });
    await closed.waitFor();
    await closed.locator("details.successor summary").click();
    await closed
      .locator("details.successor q", { hasText: "Ada works at Globex" })
      .waitFor({ timeout: 3_000 });
    assert.match(await closed.locator("details.successor").innerText(), /valid from/);
    assert.deepEqual(problems, []);
  });

  it("shows a keyed fact said again as true since it was first said", async () => {
    problems.length = 0;
    for (const validFrom of ["2024-02-01T00:00:00Z", "2024-06-01T00:00:00Z"]) {
      const response = await fetch(`${open.url}/v1/agents/${demo.agentId}/memories`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          text: "Ada plays the cello",
          kind: "fact",
          key: "user.instrument",
          validFrom,
        }),
      });
      assert.equal(response.status, 201);
    }
    await go(`/agents/${demo.agentId}/memory?key=user.instrument`);
    const current = page.locator("#memory-list article", { hasText: "(still true)" });
    await current.waitFor();
    assert.match(await current.locator(".true-since").innerText(), /true since .*2024/);
    assert.equal(await page.locator("#memory-list article .true-since").count(), 1);
    assert.deepEqual(problems, []);
  });

  it("wraps a long key or tag in a narrow window instead of scrolling the page sideways", async () => {
    const response = await fetch(`${open.url}/v1/agents/${demo.agentId}/memories`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        text: "A fact with a long key",
        kind: "fact",
        key: `user.${"x".repeat(100)}`,
        tags: ["t".repeat(60)],
      }),
    });
    assert.equal(response.status, 201);
    await page.setViewportSize({ width: 320, height: 800 });
    try {
      await go(`/agents/${demo.agentId}/memory`);
      await page.locator("#memory-list article", { hasText: "A fact with a long key" }).waitFor();
      const [scroll, client] = await page.evaluate(() => {
        const d = (globalThis as unknown as Window).document.documentElement;
        return [d.scrollWidth, d.clientWidth];
      });
      assert.ok(scroll <= client, `the page is ${scroll}px wide in a ${client}px window`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
