import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The inspector's files: the `inspector/` folder at the package root, beside `src/` in a checkout and
 * beside `dist/` in the package, so both reach it by the same relative path and no build step is needed.
 */
export const INSPECTOR_DIR = fileURLToPath(new URL("../../inspector/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** One file the inspector serves. */
export interface InspectorAsset {
  /** Path under the folder, with `/` separators, e.g. `js/main.js`. */
  path: string;
  contentType: string;
  body: Uint8Array;
}

/** Every servable file of the folder (html, js, css, svg), read once. */
export function readInspectorAssets(dir: string = INSPECTOR_DIR): Map<string, InspectorAsset> {
  const assets = new Map<string, InspectorAsset>();
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      const contentType = TYPES[extname(entry.name)];
      if (entry.isFile() && contentType !== undefined)
        assets.set(path, { path, contentType, body: readFileSync(join(dir, path)) });
    }
  };
  walk("");
  return assets;
}
