import type { TurnLease, TurnLeaseStore } from "../store.ts";
import { inTransaction, withoutFsync } from "./database.ts";
import type { Statements } from "./statements.ts";

/**
 * Turn leases in SQLite. They are written without waiting for the disk (`synchronous = NORMAL`): a
 * lease lost to a power cut only lets a conversation be taken again, which the cut has freed anyway.
 */
export class SqliteTurnLeaseStore implements TurnLeaseStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async acquire(agentId: string, conversation: string, lease: TurnLease, nowMs: number): Promise<TurnLease> {
    return withoutFsync(this.#s.db, () =>
      inTransaction(this.#s.db, () => {
        const row = this.#s.get<{ holder: string; owner: string; expires_ms: number }>(
          "SELECT holder, owner, expires_ms FROM turn_leases WHERE agent_id = ? AND conversation = ?",
          agentId,
          conversation,
        );
        if (row !== undefined && row.holder !== lease.holder && row.expires_ms > nowMs)
          return { holder: row.holder, owner: row.owner, expiresMs: row.expires_ms };
        this.#s.run(
          `INSERT INTO turn_leases (agent_id, conversation, holder, owner, expires_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (agent_id, conversation) DO UPDATE SET holder = excluded.holder, owner = excluded.owner,
             expires_ms = excluded.expires_ms`,
          agentId,
          conversation,
          lease.holder,
          lease.owner,
          lease.expiresMs,
        );
        return lease;
      }),
    );
  }

  async renew(agentId: string, conversation: string, holder: string, expiresMs: number): Promise<boolean> {
    return withoutFsync(this.#s.db, () =>
      inTransaction(
        this.#s.db,
        () =>
          Number(
            this.#s.run(
              "UPDATE turn_leases SET expires_ms = ? WHERE agent_id = ? AND conversation = ? AND holder = ?",
              expiresMs,
              agentId,
              conversation,
              holder,
            ).changes,
          ) === 1,
      ),
    );
  }

  async release(agentId: string, conversation: string, holder: string): Promise<void> {
    withoutFsync(this.#s.db, () =>
      inTransaction(this.#s.db, () =>
        this.#s.run(
          "DELETE FROM turn_leases WHERE agent_id = ? AND conversation = ? AND holder = ?",
          agentId,
          conversation,
          holder,
        ),
      ),
    );
  }
}
