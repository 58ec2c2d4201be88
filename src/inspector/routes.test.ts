import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Hono } from "hono";
import { spawnServe } from "../bench/serve-process.ts";
import { testApp } from "../server/test-support.ts";

describe("the inspector's routes", () => {
  it("serves the page at / and its files with a strict CSP, no framing and no sniffing", async () => {
    const { app } = testApp();
    const page = await app.request("/");
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(await page.text(), /<title>engram inspector<\/title>/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    const css = await app.request("/inspector/style.css");
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal((await app.request("/inspector/js/nothing.js")).status, 404);
    assert.equal((await app.request("/inspector/../package.json")).status, 404);
  });

  it("works mounted under a path: the page names the mount point, and its files are found there", async () => {
    const { app } = testApp();
    const root = new Hono();
    root.route("/engram", app);
    const page = await root.request("/engram");
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<meta name="engram-root" content="\/engram\/" \/>/);
    assert.match(html, /<script type="module" src="\/engram\/inspector\/js\/main.js">/);
    assert.equal((await root.request("/engram/inspector/js/main.js")).status, 200);
    assert.match(await (await app.request("/")).text(), /<meta name="engram-root" content="\/" \/>/);
  });

  it("needs no key for the page, while the API still does; the API's unknown-parameter rule holds", async () => {
    const t = testApp({ auth: true });
    assert.equal((await t.app.request("/")).status, 200);
    assert.equal((await t.app.request("/inspector/js/main.js")).status, 200);
    assert.equal((await t.get("/v1/agents")).status, 401);
    const open = testApp();
    const refused = await open.get("/v1/agents?colour=blue");
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /colour/);
  });

  it("inspector: false leaves / unanswered, as --no-ui does for engram serve", async () => {
    const { app } = testApp({ inspector: false });
    assert.equal((await app.request("/")).status, 404);
    assert.equal((await app.request("/inspector/js/main.js")).status, 404);
    const dir = mkdtempSync(join(tmpdir(), "engram-no-ui-"));
    const served = await spawnServe(join(dir, "e.db"), ["--no-ui", "--no-sleep"]);
    try {
      assert.equal((await fetch(`${served.url}/`)).status, 404);
      assert.equal((await fetch(`${served.url}/health`)).status, 200);
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
