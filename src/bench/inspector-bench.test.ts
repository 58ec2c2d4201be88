import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../cli/test-harness.ts";
import { chromiumStatus } from "../inspector/browser.ts";

const chromium = chromiumStatus();
const skip = chromium.available || process.env.CI === "true" ? false : chromium.hint;

describe("engram bench inspector", { skip }, () => {
  it("loads both pages in Chromium and prints paint times, asset size and targets as JSON", async () => {
    const out = await runCli(["bench", "inspector", "--commits", "5", "--loads", "1", "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout);
    assert.deepEqual(
      result.pages.map((p: { page: string }) => p.page),
      ["agent", "history (5 commits)"],
    );
    for (const page of result.pages) {
      assert.ok(page.fcp.p50 > 0 && page.ready.p50 > 0, JSON.stringify(page));
      assert.equal(page.fcp.samples, 1);
    }
    assert.ok(result.assets.gzipBytes > 0 && result.assets.gzipBytes < result.assets.bytes);
    assert.equal(result.targets.length, 3);
  });
});
