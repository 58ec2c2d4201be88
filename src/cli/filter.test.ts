import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sandbox } from "./test-harness.ts";

describe("engram memory … --filter", () => {
  const s = sandbox();
  after(() => s.cleanup());

  it("lists and searches by metadata, and refuses a bad filter naming the field", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    await s.ok(["memory", "add", "helper", "invoice for march", "--metadata", '{"topic":"billing"}']);
    await s.ok(["memory", "add", "helper", "invoice for april", "--metadata", '{"topic":"travel"}']);
    const listed = await s.ok(["memory", "list", "helper", "--filter", '{"metadata.topic":"travel"}']);
    assert.deepEqual(
      listed.items.map((m: { text: string }) => m.text),
      ["invoice for april"],
    );
    const found = await s.ok([
      "memory",
      "search",
      "helper",
      "invoice",
      "--filter",
      '{"metadata.topic":"billing"}',
    ]);
    assert.deepEqual(
      found.results.map((r: { text: string }) => r.text),
      ["invoice for march"],
    );
    const bad = await s.cli([
      "memory",
      "list",
      "helper",
      "--filter",
      '{"metadata.topic":{"like":"x"}}',
      "--json",
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(JSON.parse(bad.stdout).error.message, /filter\.metadata\.topic\.like: unknown operator/);
  });
});
