import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import { createSqliteStore } from "../store/sqlite/sqlite-store.ts";
import { createTestEngram } from "../test/index.ts";
import { copyInto } from "./commands/copy.ts";
import type { CopyDestination } from "./copy-destination.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-copy-into-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("a copy whose destination was filled after it was first looked at", () => {
  it("is refused, and what the destination holds is not taken away", async () => {
    const filled = join(dir, "filled.db");
    const other = createTestEngram({ path: filled });
    await other.projects.create({ name: "theirs" });
    await other.close();
    let undone = 0;
    // A PostgreSQL schema seen empty, which another writer filled before the copy opened it.
    const destination: CopyDestination = {
      location: {
        kind: "postgres",
        url: "postgres://engram@127.0.0.1:1/engram",
        schema: undefined,
        connectionLimit: undefined,
        preparedStatements: undefined,
        label: "the schema",
      },
      finish: async () => {},
      undo: async () => {
        undone++;
        return null;
      },
    };
    const source = createSqliteStore({ path: ":memory:" });
    try {
      await assert.rejects(
        copyInto(source, () => createSqliteStore({ path: filled }), destination, {
          label: "the schema",
          signal: new AbortController().signal,
          onProgress: () => {},
        }),
        (error: Error) => error instanceof ConflictError && /holds projects theirs/.test(error.message),
      );
    } finally {
      await source.close();
    }
    assert.equal(undone, 0, "the refused destination was not undone");
  });
});
