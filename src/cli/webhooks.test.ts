import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sandbox } from "./test-harness.ts";

describe("engram webhooks", () => {
  const s = sandbox();
  after(() => s.cleanup());

  it("adds (showing the secret once), lists, shows the empty delivery log, and removes", async () => {
    const added = await s.ok(["webhooks", "add", "https://hooks.example.com/engram", "--event", "memory.*"]);
    assert.match(added.secret, /^whsec_/);
    const listed = await s.ok(["webhooks", "list"]);
    assert.deepEqual(
      listed.items.map((w: { id: string; url: string; secret?: string }) => [w.id, w.url, w.secret]),
      [[added.id, "https://hooks.example.com/engram", undefined]],
    );
    assert.deepEqual((await s.ok(["webhooks", "deliveries", added.id])).items, []);
    const off = await s.ok(["webhooks", "update", added.id, "--disable"]);
    assert.deepEqual([off.enabled, off.disabledReason], [false, "disabled by a user"]);
    const on = await s.ok(["webhooks", "update", added.id, "--enable", "--resume", "missed", "--event", "*"]);
    assert.deepEqual([on.enabled, on.disabledReason, on.events], [true, null, ["*"]]);
    const both = await s.cli(["webhooks", "update", added.id, "--enable", "--disable", "--json"]);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr + both.stdout, /--enable or --disable, not both/);
    const resume = await s.cli(["webhooks", "update", added.id, "--enable", "--resume", "later", "--json"]);
    assert.equal(resume.json().error.code, "invalid_input");
    assert.match(resume.json().error.message, /resume/);
    await s.ok(["webhooks", "remove", added.id]);
    assert.deepEqual((await s.ok(["webhooks", "list"])).items, []);
  });

  it("refuses a URL that is not http(s) and an event that is no kind, naming the field", async () => {
    const url = await s.cli(["webhooks", "add", "file:///etc/passwd", "--event", "*", "--json"]);
    assert.notEqual(url.code, 0);
    assert.match(JSON.parse(url.stdout).error.message, /webhook: url: must be an http\(s\) URL/);
    const none = await s.cli(["webhooks", "add", "https://example.com", "--json"]);
    assert.equal(none.code, 2);
    assert.deepEqual(none.json().error, { code: "usage", message: "missing --event KIND" });
    const kind = await s.cli(["webhooks", "add", "https://example.com", "--event", "nosuch.kind", "--json"]);
    assert.equal(kind.code, 1);
    assert.match(
      kind.json().error.message,
      /webhook: events: 0: "nosuch.kind" is not an event kind: .*memory\.\*/,
    );
    assert.deepEqual((await s.ok(["webhooks", "list"])).items, []);
  });

  it("refuses a bad --allow-url pattern before serving", async () => {
    const outcome = await s.cli(["serve", "--port", "0", "--allow-url", "ftp://x", "--json"]);
    assert.notEqual(outcome.code, 0);
    assert.match(JSON.parse(outcome.stdout).error.message, /allow-url: "ftp:\/\/x"/);
  });
});
