import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConflictError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres } from "../../store/postgres/test-server.ts";
import { createTestEngram } from "../../test/index.ts";

type Where = { path: string } | { database: string };

const WRITES = 15;

/**
 * Appends lines to the shared block through one agent, each write naming the head it read; on a
 * conflict it re-reads and tries again, as a client of the HTTP API would.
 */
async function writeLines(engram: Engram, agentId: string, tag: string): Promise<number> {
  let conflicts = 0;
  for (let i = 0; i < WRITES; i++) {
    for (;;) {
      const head = (await engram.blocks.list(agentId)).commit;
      try {
        await engram.blocks.commit(agentId, {
          changes: [{ op: "append", label: "team", text: `${tag}${i}` }],
          expectedHead: head,
          author: "agent",
        });
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        conflicts++;
      }
    }
  }
  return conflicts;
}

/** Two engines (two servers' worth of connections) on one database, editing one shared block. */
function acrossServers(
  backend: string,
  options: { skip: string | false },
  database: () => Promise<{ where: Where; dispose: () => Promise<void> }>,
): void {
  describe(`a shared block written by two servers on ${backend}`, options, () => {
    it("loses no update when each writer names the head it read", async () => {
      const { where, dispose } = await database();
      const [one, two] = [0, 1].map(() => createTestEngram({ ...where, now: Date.now })) as [Engram, Engram];
      try {
        const a = await one.agents.create({ name: "a" });
        const b = await one.agents.create({ name: "b" });
        const block = await one.sharedBlocks.create({ label: "team", value: "", limit: 10_000 });
        await one.sharedBlocks.attach(a.id, block.id);
        await two.sharedBlocks.attach(b.id, block.id);
        await Promise.all([writeLines(one, a.id, "a"), writeLines(two, b.id, "b")]);
        const value = (await one.sharedBlocks.get(block.id)).value;
        const lines = value.split("\n").sort();
        const expected = [...Array(WRITES).keys()].flatMap((i) => [`a${i}`, `b${i}`]).sort();
        assert.deepEqual(lines, expected);
        assert.equal((await two.blocks.get(a.id, "team")).value, value);
        assert.equal((await one.blocks.get(b.id, "team")).value, value);
        const edits = await one.sharedBlocks.commits(block.id, { limit: 500 });
        assert.equal(edits.items.length, 2 * WRITES);
        // Each edit committed on both agents: a's log holds its root, its attach and every edit.
        const logA = await one.history.log(a.id, { limit: 500 });
        assert.equal(logA.items.length, 2 + 2 * WRITES);
      } finally {
        await one.close();
        await two.close();
        await dispose();
      }
    });
  });
}

acrossServers("SQLite", { skip: false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "engram-shared-"));
  return {
    where: { path: join(dir, "shared.db") },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

acrossServers("PostgreSQL", postgresSkip(), async () => {
  const server = await sharedTestPostgres();
  // One schema named in the URL, so both engines open the same one.
  const url = `${await server.createDatabase()}?schema=${freshSchemaName()}`;
  return { where: { database: url }, dispose: () => server.stop() };
});
