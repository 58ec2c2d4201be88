import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ForbiddenError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { createEngram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { LAST_USED_RESOLUTION_MS } from "./key-service.ts";

describe("KeyService", () => {
  it("creates a key once, stores only the hash of its secret, and authenticates it", async () => {
    const engram = createTestEngram();
    const created = await engram.keys.create({ project: "acme", name: "ci" }, { createProject: true });
    assert.equal(created.project.name, "acme");
    assert.match(created.key, /^egk_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.apiKey.name, "ci");
    assert.equal(created.key.split("_").slice(2).join("_").slice(0, 8), created.apiKey.prefix);
    const secret = created.key.slice("egk_".length + 27);
    const stored = await engram.store.keys.get(created.apiKey.id);
    assert.equal(stored?.secretHash, sha256(secret));
    assert.equal(JSON.stringify(stored).includes(secret), false);
    const events = (await engram.events.list({ project: "acme", kind: "key.created" })).items;
    assert.equal(events.length, 1);
    assert.equal(JSON.stringify(events).includes(secret), false);
    assert.equal(JSON.stringify(events).includes(sha256(secret)), false);

    const auth = await engram.keys.authenticate(created.key);
    assert.equal(auth.ok, true);
    assert.equal(auth.ok && auth.key.projectId, created.project.id);
    assert.equal(auth.ok && "secretHash" in auth.key, false);
  });

  it("tells malformed, unknown and revoked keys apart, and revokes once", async () => {
    const engram = createTestEngram();
    const { key, apiKey } = await engram.keys.create({ project: "acme" }, { createProject: true });
    assert.deepEqual(await engram.keys.authenticate("nonsense"), { ok: false, reason: "malformed" });
    const wrongSecret = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    assert.deepEqual(await engram.keys.authenticate(wrongSecret), { ok: false, reason: "unknown" });
    const otherId = `egk_${"0".repeat(26)}${key.slice(30)}`;
    assert.deepEqual(await engram.keys.authenticate(otherId), { ok: false, reason: "unknown" });

    const revoked = await engram.keys.revoke(apiKey.id);
    assert.notEqual(revoked.revokedAt, null);
    assert.deepEqual(await engram.keys.revoke(apiKey.id), revoked);
    assert.deepEqual(await engram.keys.authenticate(key), { ok: false, reason: "revoked" });
    assert.equal((await engram.events.list({ project: "acme", kind: "key.revoked" })).items.length, 1);
    assert.deepEqual((await engram.keys.list({ project: "acme" })).items, []);
    assert.deepEqual(
      (await engram.keys.list({ project: "acme", includeRevoked: true })).items.map((k) => k.id),
      [apiKey.id],
    );
  });

  it("records the last use at most once a minute", async () => {
    let time = Date.UTC(2026, 0, 1);
    const engram = createEngram({ path: ":memory:", now: () => time });
    const { key, apiKey } = await engram.keys.create({ project: "acme" }, { createProject: true });
    await engram.keys.authenticate(key);
    const first = (await engram.keys.get(apiKey.id)).lastUsedAt;
    assert.equal(first, new Date(time).toISOString());
    time += LAST_USED_RESOLUTION_MS - 1;
    await engram.keys.authenticate(key);
    assert.equal((await engram.keys.get(apiKey.id)).lastUsedAt, first);
    time += 1;
    await engram.keys.authenticate(key);
    assert.equal((await engram.keys.get(apiKey.id)).lastUsedAt, new Date(time).toISOString());
  });

  it("needs a project, and a project-scoped view sees and manages only its own keys", async () => {
    const engram = createTestEngram();
    await assert.rejects(engram.keys.create({}), InvalidInputError);
    await assert.rejects(engram.keys.create({ project: "missing" }), NotFoundError);
    const red = await engram.keys.create({ project: "red" }, { createProject: true });
    const blue = await engram.keys.create({ project: "blue" }, { createProject: true });
    const asRed = engram.forProject(red.project.id);
    assert.deepEqual(
      (await asRed.keys.list()).items.map((k) => k.id),
      [red.apiKey.id],
    );
    await assert.rejects(asRed.keys.get(blue.apiKey.id), NotFoundError);
    await assert.rejects(asRed.keys.revoke(blue.apiKey.id), NotFoundError);
    await assert.rejects(asRed.keys.list({ project: "blue" }), NotFoundError);
    await assert.rejects(asRed.keys.create({ project: "blue" }), NotFoundError);
    await assert.rejects(asRed.keys.create({ project: "green" }, { createProject: true }), NotFoundError);
    assert.deepEqual(await asRed.keys.authenticate(blue.key), { ok: false, reason: "unknown" });
    const second = await asRed.keys.create({ name: "rotated" });
    assert.equal(second.project.id, red.project.id);
    assert.equal(await asRed.keys.countActive(), 2);
    assert.equal(await engram.keys.countActive(), 3);
    await assert.rejects(asRed.projects.delete(red.project.id), ForbiddenError);
    await assert.rejects(asRed.projects.delete("blue"), NotFoundError);
  });

  it("goes away with its project", async () => {
    const engram = createTestEngram();
    const { key } = await engram.keys.create({ project: "tmp" }, { createProject: true });
    await engram.projects.delete("tmp");
    assert.deepEqual(await engram.keys.authenticate(key), { ok: false, reason: "unknown" });
  });
});
