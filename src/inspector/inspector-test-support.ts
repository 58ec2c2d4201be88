import { rmSync } from "node:fs";
import type { Page } from "playwright-core";
import type { ServeProcess } from "../bench/serve-process.ts";

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
