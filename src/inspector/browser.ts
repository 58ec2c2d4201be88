import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { EngramError } from "../core/errors.ts";

/** Debian's Chromium, which the browser tests and `engram bench inspector` drive. */
export const CHROMIUM_PATH = process.env.ENGRAM_CHROMIUM ?? "/usr/bin/chromium";

/** Whether Chromium is installed, and the line to print when it is not. */
export function chromiumStatus(): { available: boolean; hint: string } {
  return {
    available: existsSync(CHROMIUM_PATH),
    hint: `no Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set ENGRAM_CHROMIUM`,
  };
}

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps trying Google's
 * hosts; as root it needs --no-sandbox.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium with a fresh profile, removed again on `close()`. */
export async function launchChromium(): Promise<{
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}> {
  // playwright-core is a dev dependency: loaded here, never by the server.
  const { chromium } = await import("playwright-core").catch((error: unknown) => {
    throw new EngramError(
      "unavailable",
      "driving Chromium needs playwright-core, a development dependency: npm install playwright-core",
      { cause: error },
    );
  });
  const profile = mkdtempSync(join(tmpdir(), "engram-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const browser = context.browser() as Browser;
  return {
    browser,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
