import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { startServer } from "./serve.ts";
import { readModifyWrite } from "./test-support.ts";

const json = { "content-type": "application/json" };

describe("concurrent writers over HTTP", () => {
  it("lose no block edit: stale heads are 409s, retried until each edit lands", async () => {
    const engram = createEngram({ path: ":memory:" });
    const server = await startServer({ engram, port: 0 });
    try {
      const agent = await engram.agents.create({ name: "shared" });
      await engram.blocks.set(agent.id, "log", "", { limit: 100_000 });
      const url = `${server.url}/v1/agents/${agent.id}/blocks/log`;
      const outcome = { conflicts: 0 };
      const clients = 8;
      const edits = 12;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let n = 0; n < edits; n++) {
            await readModifyWrite(
              async () => {
                const res = await fetch(url);
                const body = (await res.json()) as { value: string };
                return { value: body.value, version: res.headers.get("etag") ?? "" };
              },
              (value, etag) =>
                fetch(url, {
                  method: "PUT",
                  headers: { ...json, "if-match": etag },
                  body: JSON.stringify({ value }),
                }),
              (value) => `${value}client ${c} edit ${n}\n`,
              outcome,
            );
          }
        }),
      );
      const lines = (await engram.blocks.get(agent.id, "log")).value.split("\n").filter(Boolean);
      assert.equal(lines.length, clients * edits);
      assert.equal(new Set(lines).size, clients * edits);
      for (let c = 0; c < clients; c++) {
        const own = lines.filter((l) => l.startsWith(`client ${c} `));
        assert.deepEqual(
          own,
          Array.from({ length: edits }, (_, n) => `client ${c} edit ${n}`),
          "each client's edits in its order",
        );
      }
      assert.ok(outcome.conflicts > 0, "the writers did collide");
      const log = await engram.history.log(agent.id, { limit: 500 });
      assert.equal(log.items.length, clients * edits + 2);
    } finally {
      await server.close();
      await engram.close();
    }
  });

  it("lose no memory update: a stale expectedVersion is a 409, retried", async () => {
    const engram = createEngram({ path: ":memory:" });
    const server = await startServer({ engram, port: 0 });
    try {
      const agent = await engram.agents.create({ name: "shared" });
      const memory = (await engram.memories.addMany(agent.id, [{ text: "count 0" }])).value[0];
      assert.ok(memory);
      const url = `${server.url}/v1/agents/${agent.id}/memories/${memory.id}`;
      const outcome = { conflicts: 0 };
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (let n = 0; n < 8; n++) {
            await readModifyWrite(
              async () => {
                const body = (await (await fetch(url)).json()) as { text: string; version: number };
                return { value: body.text, version: String(body.version) };
              },
              (text, version) =>
                fetch(url, {
                  method: "PATCH",
                  headers: json,
                  body: JSON.stringify({ text, expectedVersion: Number(version) }),
                }),
              (text) => `count ${Number(text.split(" ")[1]) + 1}`,
              outcome,
            );
          }
        }),
      );
      const final = await engram.memories.get(agent.id, memory.id);
      assert.equal(final.text, "count 48");
      assert.equal(final.version, 49);
      assert.ok(outcome.conflicts > 0, "the writers did collide");
    } finally {
      await server.close();
      await engram.close();
    }
  });
});
