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

  async acquire(
    agentId: string,
    conversation: string,
    lease: TurnLease,
    nowMs: number,
    isDead: (pid: number) => boolean,
  ): Promise<TurnLease> {
    return withoutFsync(this.#s.db, () =>
      inTransaction(this.#s.db, () => {
        const row = this.#s.get<{ holder: string; pid: number; expires_ms: number }>(
          "SELECT holder, pid, expires_ms FROM turn_leases WHERE agent_id = ? AND conversation = ?",
          agentId,
          conversation,
        );
        if (row !== undefined && row.holder !== lease.holder && row.expires_ms > nowMs && !isDead(row.pid))
          return { holder: row.holder, pid: row.pid, expiresMs: row.expires_ms };
        this.#s.run(
          `INSERT INTO turn_leases (agent_id, conversation, holder, pid, expires_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (agent_id, conversation) DO UPDATE SET holder = excluded.holder, pid = excluded.pid,
             expires_ms = excluded.expires_ms`,
          agentId,
          conversation,
          lease.holder,
          lease.pid,
          lease.expiresMs,
        );
        return lease;
      }),
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
