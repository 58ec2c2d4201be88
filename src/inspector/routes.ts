import type { Env, Hono } from "hono";
import { type InspectorAsset, readInspectorAssets } from "./assets.ts";

/** Where the inspector's files are served, under the page at `/`. */
export const INSPECTOR_PREFIX = "/inspector/";

/**
 * The page's own sources only, no inline script or style, no framing: a key typed into the page can
 * leave only for this server, and no other site can frame the page to catch clicks.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
};

/**
 * Serves the inspector: its page at `/` and its files under `/inspector/`. Registered before
 * authentication: the files carry no project's data (the page asks for a key and sends it on each API
 * call). Files are read on the first request, then kept in memory.
 */
export function registerInspectorRoutes<E extends Env>(app: Hono<E>, dir?: string): void {
  let assets: Map<string, InspectorAsset> | undefined;
  const send = (asset: InspectorAsset | undefined, body?: string): Response | undefined => {
    if (asset === undefined) return undefined;
    return new Response(body ?? asset.body, {
      status: 200,
      headers: { "Content-Type": asset.contentType, "Cache-Control": "no-cache", ...SECURITY_HEADERS },
    });
  };
  const load = () => {
    assets ??= readInspectorAssets(dir);
    return assets;
  };
  app.get("/", async (c, next) => {
    const page = load().get("index.html");
    if (page === undefined) return next();
    // The app's own path, wherever it is mounted: the files are under it, and the page's API calls
    // start from it (a meta tag rather than <base>, which would also move the page's #links).
    const root = escapeAttribute(c.req.path.replace(/\/?$/, "/"));
    const html = new TextDecoder()
      .decode(page.body)
      .replaceAll('="inspector/', `="${root}inspector/`)
      .replace("<head>", `<head>\n    <meta name="engram-root" content="${root}" />`);
    return send(page, html);
  });
  app.get(`${INSPECTOR_PREFIX}:file{.+}`, async (c, next) => send(load().get(c.req.param("file"))) ?? next());
}

function escapeAttribute(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll('"', "&quot;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}
