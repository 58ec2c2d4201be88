import type { LeaderLease, LeaderLeaseStore } from "../store.ts";
import { withoutFsync } from "./database.ts";
import type { Statements } from "./statements.ts";

/**
 * Leader leases in SQLite: one conditional upsert per claim, so concurrent claimers serialise on the
 * write lock and one wins. Written without waiting for the disk, as turn leases are: a lease lost to
 * a power cut only lets the role be taken again, which the cut has freed anyway.
 */
export class SqliteLeaderLeaseStore implements LeaderLeaseStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async claim(name: string, owner: string, nowMs: number, expiresMs: number): Promise<boolean> {
    const changes = withoutFsync(
      this.#s.db,
      () =>
        this.#s.run(
          `INSERT INTO leader_leases (name, owner, expires_ms) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
         WHERE leader_leases.owner = excluded.owner OR leader_leases.expires_ms <= ?`,
          name,
          owner,
          expiresMs,
          nowMs,
        ).changes,
    );
    return Number(changes) === 1;
  }

  async get(name: string): Promise<LeaderLease | null> {
    const row = this.#s.get<{ owner: string; expires_ms: number }>(
      "SELECT owner, expires_ms FROM leader_leases WHERE name = ?",
      name,
    );
    return row === undefined ? null : { owner: row.owner, expiresMs: row.expires_ms };
  }

  async release(name: string, owner: string): Promise<void> {
    withoutFsync(this.#s.db, () =>
      this.#s.run("DELETE FROM leader_leases WHERE name = ? AND owner = ?", name, owner),
    );
  }
}
