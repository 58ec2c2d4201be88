import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { checkSecretsAtRest } from "../test/secrets-at-rest.ts";
import { secretBox, secretBoxFromEnv } from "./secret-box.ts";

describe("secrets at rest", () => {
  it("seals with AES-256-GCM under a 256-bit key, fresh each time, and opens what it sealed", () => {
    const box = secretBox("ab".repeat(32));
    const sealed = box.seal("hunter2 — ünïcode");
    assert.match(sealed, /^engram-sealed:v1:[A-Za-z0-9+/]+=*$/);
    assert.notEqual(box.seal("hunter2 — ünïcode"), sealed, "a new nonce each time");
    assert.equal(box.open(sealed, "x"), "hunter2 — ünïcode");
    assert.equal(box.open("written before the key", "x"), "written before the key");
    assert.equal(secretBox(Buffer.alloc(32, 0xab).toString("base64")).open(sealed, "x"), "hunter2 — ünïcode");
    // Altered by one byte: refused, not misread.
    const bytes = Buffer.from(sealed.slice("engram-sealed:v1:".length), "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    assert.throws(
      () => box.open(`engram-sealed:v1:${bytes.toString("base64")}`, "the secret"),
      /the secret cannot be decrypted/,
    );
  });

  it("opens with an earlier key while keys change, and seals with the new one", () => {
    const [oldKey, newKey] = ["01".repeat(32), "02".repeat(32)];
    const sealedOld = secretBox(oldKey).seal("token");
    const changing = secretBoxFromEnv({
      ENGRAM_SECRET_KEY: newKey,
      ENGRAM_SECRET_KEY_PREVIOUS: ` ${oldKey} ,`,
    });
    assert.equal(changing.open(sealedOld, "x"), "token");
    const sealedNew = changing.seal("token");
    assert.equal(secretBox(newKey).open(sealedNew, "x"), "token");
    assert.throws(() => secretBox(oldKey).open(sealedNew, "the token"), /the token cannot be decrypted/);
    assert.throws(() => secretBox(newKey).open(sealedOld, "the token"), /the token cannot be decrypted/);
    assert.throws(
      () => secretBoxFromEnv({ ENGRAM_SECRET_KEY: newKey, ENGRAM_SECRET_KEY_PREVIOUS: "nope" }),
      /invalid ENGRAM_SECRET_KEY_PREVIOUS/,
    );
  });

  it("stores as given without a key, and refuses keys of any other shape, naming the field", () => {
    for (const key of [undefined, ""]) assert.equal(secretBox(key).seal("plain"), "plain");
    for (const key of ["short", "ab".repeat(31), "zz".repeat(32), Buffer.alloc(16).toString("base64")])
      assert.throws(() => secretBox(key), /invalid ENGRAM_SECRET_KEY: must be a 256-bit key/);
    assert.throws(() => createEngram({ path: ":memory:", secretKey: "nope" }), /invalid secretKey/);
  });

  it("a process without the key sends the webhooks it can sign, and only says why it skips a sealed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-secrets-"));
    const path = join(dir, "engram.db");
    const received: { webhook: string | undefined; signature: string | undefined }[] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        received.push({
          webhook: request.headers["engram-webhook-id"] as string | undefined,
          signature: request.headers["engram-signature"] as string | undefined,
        });
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const keyed = createEngram({ path, secretKey: "3c".repeat(32) });
      const agent = await keyed.agents.create({ name: "a" });
      const sealed = await keyed.webhooks.create({ url, events: ["memory.*"] });
      await keyed.close();
      const plain = createEngram({ path, env: {} });
      const open = await plain.webhooks.create({
        url,
        events: ["memory.*"],
        secret: "plain-secret-0123456789",
      });
      const errors: unknown[] = [];
      const dispatcher = plain.webhooks.startDispatcher({
        pollMs: 20,
        onError: (error) => errors.push(error),
      });
      await plain.memories.add(agent.id, { text: "Ada keeps bees" });
      const deadline = Date.now() + 5000;
      while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      await dispatcher.stop();
      assert.deepEqual(
        received.map((r) => r.webhook),
        [open.id],
      );
      assert.match(received[0]?.signature ?? "", /^v1=[0-9a-f]{64}$/);
      assert.equal(errors.length, 1, "said once");
      assert.match(
        String(errors[0]),
        new RegExp(`webhook ${sealed.id} is encrypted at rest .*not sent from this process`),
      );
      const after = await plain.webhooks.get(sealed.id);
      assert.deepEqual([after.enabled, after.consecutiveFailures], [true, 0]);
      await plain.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps webhook and MCP server secrets sealed in a SQLite file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-secrets-"));
    const path = join(dir, "engram.db");
    const read = (sql: string, ...params: string[]) => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return String(Object.values(db.prepare(sql).get(...params) ?? {})[0]);
      } finally {
        db.close();
      }
    };
    try {
      await checkSecretsAtRest(
        (key) => createEngram({ path, env: key === undefined ? {} : { ENGRAM_SECRET_KEY: key } }),
        {
          webhookSecret: async (id) => read("SELECT secret FROM webhooks WHERE id = ?", id),
          mcpConfig: async (agentId, name) =>
            read("SELECT config FROM agent_mcp_servers WHERE agent_id = ? AND name = ?", agentId, name),
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
