import type { LeaderLease, LeaderLeaseStore } from "../store.ts";
import type { Sql } from "./pg-database.ts";

/**
 * Leader leases on PostgreSQL: a claim is one `INSERT … ON CONFLICT DO UPDATE … WHERE`, which locks
 * the role's row, so of several servers claiming at once exactly one gets a row back.
 */
export function pgLeaderLeaseStore(db: Sql): LeaderLeaseStore {
  return {
    async claim(name, owner, nowMs, expiresMs) {
      const changed = await db.run(
        `INSERT INTO leader_leases (name, owner, expires_ms) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
         WHERE leader_leases.owner = excluded.owner OR leader_leases.expires_ms <= $4`,
        [name, owner, expiresMs, nowMs],
      );
      return changed === 1;
    },
    async get(name): Promise<LeaderLease | null> {
      const row = await db.get<{ owner: string; expires_ms: number }>(
        "SELECT owner, expires_ms FROM leader_leases WHERE name = $1",
        [name],
      );
      return row === undefined ? null : { owner: row.owner, expiresMs: row.expires_ms };
    },
    async release(name, owner) {
      await db.run("DELETE FROM leader_leases WHERE name = $1 AND owner = $2", [name, owner]);
    },
  };
}
