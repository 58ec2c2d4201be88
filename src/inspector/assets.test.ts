import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { INSPECTOR_DIR, readInspectorAssets } from "./assets.ts";

/** The page's own files, gzipped, must stay under this (no framework, no chart library). */
const BUDGET_BYTES = 300 * 1024;

describe("inspector assets", () => {
  const assets = readInspectorAssets();

  it("fit in 300 KB gzipped", () => {
    const total = [...assets.values()].reduce((sum, a) => sum + gzipSync(a.body).length, 0);
    assert.ok(total > 0 && total <= BUDGET_BYTES, `the inspector's files are ${total} bytes gzipped`);
  });

  it("every module a script imports is served, so the page loads with no build step", () => {
    for (const asset of assets.values()) {
      if (!asset.path.endsWith(".js")) continue;
      const dir = asset.path.split("/").slice(0, -1).join("/");
      for (const [, spec] of new TextDecoder().decode(asset.body).matchAll(/from "(\.[^"]+)"/g)) {
        const resolved = new URL(spec as string, `http://x/${dir}/`).pathname.slice(1);
        assert.ok(assets.has(resolved), `${asset.path} imports ${spec}, which is not served`);
      }
    }
  });

  it("the page preloads every module, so they load at once rather than import by import", () => {
    const html = new TextDecoder().decode(assets.get("index.html")?.body);
    for (const path of assets.keys()) {
      if (path.endsWith(".js") && path !== "js/main.js")
        assert.ok(html.includes(`<link rel="modulepreload" href="inspector/${path}" />`), path);
    }
  });

  it("the page has no inline script, style or event handler (the CSP forbids them) and nothing from another host", () => {
    const html = readFileSync(join(INSPECTOR_DIR, "index.html"), "utf8");
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
    for (const asset of assets.values()) {
      const text = new TextDecoder().decode(asset.body);
      assert.doesNotMatch(text, /(src|href)=["']?(https?:)?\/\//, `${asset.path} links to another host`);
      assert.doesNotMatch(
        text,
        /\binnerHTML\b|insertAdjacentHTML|document\.write/,
        `${asset.path} builds HTML from strings`,
      );
    }
  });
});
