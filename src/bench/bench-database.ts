import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../core/errors.ts";
import {
  type DatabaseLocation,
  formatDatabaseLocation,
  parseDatabaseLocation,
} from "../store/database-location.ts";

/** A benchmark's own fresh database, removed at the end. */
export interface BenchDatabase {
  /** What `createEngram({ database })` and `--database` take. */
  database: string;
  kind: "sqlite" | "postgres";
  /** What to show people (no password). */
  label: string;
  /** The SQLite file's size; null on PostgreSQL. */
  sizeBytes(): number | null;
  /** Removes the file, or drops the schema. */
  drop(): Promise<void>;
}

/**
 * The PostgreSQL server a benchmark was given with `--database`.
 * @throws InvalidInputError naming `--database` when it is not a PostgreSQL URL.
 */
export function benchServer(server: string): Extract<DatabaseLocation, { kind: "postgres" }> {
  const location = parseDatabaseLocation(server, "--database");
  if (location.kind !== "postgres")
    throw new InvalidInputError(
      "--database: a benchmark makes its own database; give a PostgreSQL server's URL, or leave it out for SQLite",
    );
  return location;
}

/**
 * A fresh database for a benchmark: a file in a new temporary folder, or, given a PostgreSQL server's
 * URL (`--database`), a new schema on it that `drop()` removes with everything in it.
 *
 * @throws InvalidInputError when `server` is not a PostgreSQL URL.
 */
export function benchDatabase(name: string, server?: string): BenchDatabase {
  if (server === undefined) {
    const dir = mkdtempSync(join(tmpdir(), `engram-bench-${name}-`));
    const path = join(dir, "bench.db");
    return {
      database: path,
      kind: "sqlite",
      label: path,
      sizeBytes: () => statSync(path).size,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const location = benchServer(server);
  const schema = `bench_${name.replace(/[^a-z0-9]/g, "_")}_${randomBytes(4).toString("hex")}`;
  const fresh = { ...location, schema };
  return {
    database: formatDatabaseLocation(fresh),
    kind: "postgres",
    label: `${location.label} (schema ${schema})`,
    sizeBytes: () => null,
    async drop() {
      const { dropPostgresSchema } = await import("../store/postgres/drop-schema.ts");
      await dropPostgresSchema(location.url, schema);
    },
  };
}
