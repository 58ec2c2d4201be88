import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setHelperThreadTimeout, startOnThread } from "./helper-thread.ts";

// Alone in its file (its own process): the thread it gives up stays given up.
describe("the helper thread", () => {
  it("is given up when a task does not finish in time, and later tasks are not sent to it", () => {
    const quick = startOnThread("hashVectors", { texts: ["warm up"], dimensions: 8 });
    assert.equal(quick?.wait()?.length, 8, "the thread runs here");
    setHelperThreadTimeout(50);
    // Seconds of work: the wait gives up after 50 ms instead of blocking until it is done.
    const texts = Array.from({ length: 20_000 }, (_, i) => `a long text ${i} `.repeat(40));
    const slow = startOnThread("hashVectors", { texts, dimensions: 1024 });
    const started = performance.now();
    assert.equal(slow?.wait(), null);
    assert.ok(performance.now() - started < 2_000, "not blocked until the task was done");
    assert.equal(
      startOnThread("hashVectors", { texts: ["a"], dimensions: 8 }),
      null,
      "callers compute inline",
    );
  });
});
