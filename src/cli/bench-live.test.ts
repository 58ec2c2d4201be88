import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "./test-harness.ts";

describe("engram bench filters and bench live", () => {
  it("times filtered beside unfiltered search, with a finite positive ratio", async () => {
    const out = await runCli(["bench", "filters", "--n", "2000", "--queries", "20", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.n, 2000);
    assert.deepEqual(result.filter, { "metadata.bucket": 7 });
    assert.equal(result.filtered.samples, 20);
    assert.equal(result.unfiltered.samples, 20);
    assert.ok(Number.isFinite(result.ratioP95) && result.ratioP95 > 0, `ratio ${result.ratioP95}`);
    assert.equal(result.listFiltered.samples, 50);
  });

  it("times events from a write to an SSE client and a webhook receiver", async () => {
    const out = await runCli(["bench", "live", "--events", "10", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.events, 10);
    assert.equal(result.sse.samples, 10);
    assert.equal(result.webhook.samples, 10);
    assert.ok(result.sse.p50 > 0 && result.webhook.p50 > 0);
    assert.deepEqual(result.targets, { sseP95Ms: 50, webhookP95Ms: 200 });
  });

  it("rejects a count that is not a positive integer with exit 2", async () => {
    assert.equal((await runCli(["bench", "filters", "--n", "0"])).code, 2);
    assert.equal((await runCli(["bench", "live", "--events", "x"])).code, 2);
  });
});
