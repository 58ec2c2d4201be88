import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram keys", () => {
  it("creates a key and its project, prints the key once, lists without secrets, revokes", async () => {
    const created = await s.ok(["keys", "create", "--project", "acme", "--name", "ci"]);
    assert.match(created.key, /^egk_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.project, "acme");
    assert.match(created.id, /^key_/);
    assert.equal(created.name, "ci");
    const project = await s.ok(["project", "show", "acme"]);
    assert.equal(created.projectId, project.id);

    const again = await s.ok(["keys", "create", "--project", "acme"]);
    assert.equal(again.projectId, project.id);

    const listed = await s.cli(["keys", "list", "--project", "acme", "--json"]);
    assert.equal(listed.code, 0);
    const secret = created.key.slice(31);
    assert.equal(listed.stdout.includes(secret), false);
    assert.deepEqual(
      listed.json().items.map((k: { id: string }) => k.id),
      [created.id, again.id],
    );
    const text = await s.cli(["keys", "list"]);
    assert.match(text.stdout, /ID +PROJECT +NAME +PREFIX/);
    assert.match(text.stdout, new RegExp(`${created.id} +acme +ci `));
    assert.equal(text.stdout.includes(project.id), false, "people see project names, --json has the ids");
    assert.equal(listed.json().items[0].projectId, project.id);

    const revoked = await s.ok(["keys", "revoke", created.key]);
    assert.equal(revoked.id, created.id);
    assert.notEqual(revoked.revokedAt, null);
    assert.deepEqual(
      (await s.ok(["keys", "list"])).items.map((k: { id: string }) => k.id),
      [again.id],
    );
    assert.equal((await s.ok(["keys", "list", "--all"])).items.length, 2);
    const human = await s.cli(["keys", "revoke", again.id]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, new RegExp(`^revoked key ${again.id}\\n$`));

    const engram = createEngram({ path: s.db });
    try {
      assert.deepEqual(await engram.keys.authenticate(created.key), { ok: false, reason: "revoked" });
    } finally {
      await engram.close();
    }
  });

  it("shows the key in text with a warning that it is not shown again", async () => {
    const out = await s.cli(["keys", "create", "--project", "acme"]);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^key +egk_\S+\nproject +acme \(prj_\w+\)\nid +key_\w+\n$/);
    assert.match(out.stderr, /not shown again/);
  });

  it("needs --project, and says so when a key is unknown", async () => {
    const missing = await s.cli(["keys", "create", "--json"]);
    assert.equal(missing.code, 2);
    assert.deepEqual(missing.json().error, { code: "usage", message: "missing --project NAME" });
    const unknown = await s.cli(["keys", "revoke", "key_nope", "--json"]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.json().error.code, "not_found");
  });
});
