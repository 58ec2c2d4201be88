import type { TurnLease, TurnLeaseStore } from "../store.ts";
import type { PgDatabase } from "./pg-database.ts";

interface LeaseRow {
  holder: string;
  owner: string;
  expires_ms: number;
}

const toLease = (row: LeaseRow): TurnLease => ({
  holder: row.holder,
  owner: row.owner,
  expiresMs: row.expires_ms,
});

/**
 * Takes the conversation unless a live lease of another holder stands. One statement: the upsert
 * locks the conversation's row (or waits for a racing insert of it), so two servers racing for one
 * conversation get one holder; `RETURNING` yields nothing when the standing lease was kept.
 */
const TAKE = `INSERT INTO turn_leases (agent_id, conversation, holder, owner, expires_ms) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (agent_id, conversation) DO UPDATE
    SET holder = excluded.holder, owner = excluded.owner, expires_ms = excluded.expires_ms
    WHERE turn_leases.holder = excluded.holder OR turn_leases.expires_ms <= $6
  RETURNING holder, owner, expires_ms`;

/** Turn leases on PostgreSQL: each acquire, renewal and release is one atomic statement. */
export class PgTurnLeaseStore implements TurnLeaseStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async acquire(agentId: string, conversation: string, lease: TurnLease, nowMs: number): Promise<TurnLease> {
    for (;;) {
      const taken = await this.#db.get<LeaseRow>(TAKE, [
        agentId,
        conversation,
        lease.holder,
        lease.owner,
        lease.expiresMs,
        nowMs,
      ]);
      if (taken !== undefined) return toLease(taken);
      const standing = await this.#db.get<LeaseRow>(
        "SELECT holder, owner, expires_ms FROM turn_leases WHERE agent_id = $1 AND conversation = $2",
        [agentId, conversation],
      );
      // Released between the two statements: try again to take it.
      if (standing !== undefined) return toLease(standing);
    }
  }

  async renew(agentId: string, conversation: string, holder: string, expiresMs: number): Promise<boolean> {
    const changed = await this.#db.run(
      "UPDATE turn_leases SET expires_ms = $1 WHERE agent_id = $2 AND conversation = $3 AND holder = $4",
      [expiresMs, agentId, conversation, holder],
    );
    return changed === 1;
  }

  async release(agentId: string, conversation: string, holder: string): Promise<void> {
    await this.#db.run("DELETE FROM turn_leases WHERE agent_id = $1 AND conversation = $2 AND holder = $3", [
      agentId,
      conversation,
      holder,
    ]);
  }
}
