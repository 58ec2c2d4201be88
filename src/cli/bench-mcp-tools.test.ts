import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { referenceServer } from "../bench/mcp-tools-bench.ts";
import { runCli } from "./test-harness.ts";

describe("engram bench mcp-tools", () => {
  it("times calls of the reference server's echo directly and through engram, and whole turns", async () => {
    const out = await runCli(["bench", "mcp-tools", "--samples", "5", "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    for (const kind of ["direct", "engram", "own", "paired", "toolSet", "turnMcp", "turnLocal"])
      assert.equal(result[kind].samples, 5, kind);
    assert.ok(result.own.p95 <= result.engram.p95, "engram's own time is part of its call");
    assert.ok(result.engram.p50 > 0);
    assert.deepEqual(result.targets, { ownP95Ms: 5 });
    const bad = await runCli(["bench", "mcp-tools", "--samples", "0", "--json"]);
    assert.notEqual(bad.code, 0);
    assert.match(JSON.parse(bad.stdout).error.message, /samples/);
  });

  it("says to name a server with --command where the reference server is not installed", () => {
    assert.throws(() => referenceServer("/nonexistent/node_modules/.bin/mcp-server-everything"), {
      code: "invalid_input",
      message: /^--command: the reference MCP server .* is not installed here/,
    });
    assert.match(referenceServer(), /mcp-server-everything$/);
  });
});
