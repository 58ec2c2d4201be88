import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { type ServeProcess, spawnServe } from "../bench/serve-process.ts";
import { launchChromium } from "./browser.ts";

/** The page's globals that tell whether it is ready. */
interface ReadyWindow {
  document: {
    documentElement: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): unknown;
  };
}

/**
 * Opens the inspector page `hash` of the server at `origin` in `page`, from a blank page (so that the
 * same hash again loads afresh), and waits until the page says it is ready for that path, or shows a
 * problem or the key form.
 */
export async function openInspectorPage(page: Page, origin: string, hash: string): Promise<void> {
  await page.goto("about:blank");
  await page.goto(`${origin}/#${hash}`);
  await page.waitForFunction((path) => {
    const d = (globalThis as unknown as ReadyWindow).document;
    return d.documentElement.dataset.ready === path || d.querySelector(".problem, .key-form") !== null;
  }, hash.split("?")[0]);
}

/** Stops a browser test's servers (those still running), closes its browser and removes its folder. */
export async function stopBrowserTest(
  browser: { close(): Promise<void> } | undefined,
  servers: readonly (ServeProcess | undefined)[],
  dir: string | undefined,
): Promise<void> {
  await browser?.close();
  for (const server of servers) {
    if (server !== undefined && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/** A browser test's running parts: its folder, seeded agent, server, browser and page. */
export interface BrowserTest {
  dir: string;
  agentId: string;
  server: ServeProcess;
  browser: Awaited<ReturnType<typeof launchChromium>>;
  page: Page;
}

/**
 * Seeds a database in a new folder (`seed` returns the agent it made), serves it with `engram serve
 * --no-sleep` beside a headless Chromium, and opens a page whose errors (uncaught, or logged to its
 * console) are pushed to `problems`.
 */
export async function startBrowserTest(
  prefix: string,
  seed: (db: string) => Promise<string>,
  problems: string[],
): Promise<BrowserTest> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = join(dir, "seeded.db");
  const agentId = await seed(db);
  const [server, browser] = await Promise.all([spawnServe(db, ["--no-sleep"]), launchChromium()]);
  const page = await browser.context.newPage();
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  return { dir, agentId, server, browser, page };
}
