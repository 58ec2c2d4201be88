import { inTransaction, withoutFsync } from "./database.ts";
import type { Statements } from "./statements.ts";

/** How long accesses wait to be written together. */
const FLUSH_AFTER_MS = 1000;
/** Distinct memories waiting at most; one more writes them all at once. */
const MAX_PENDING = 5000;

interface Pending {
  agentId: string;
  count: number;
  at: string;
}

/**
 * Access statistics of memories (how often searches returned each, and when last), gathered in
 * memory and written together: at most a second later, when 5,000 distinct memories wait, and at
 * close. Until then every memory this process reads has its pending accesses added (`overlay`), so
 * it sees them at once; other processes see them once written. A search is then a pure reader: it
 * takes no write lock, writes no log pages and waits for no disk. The counts are bookkeeping, not
 * data a caller was promised, so they are committed without an fsync; a crash may lose the last
 * second of them, never a memory. Writing many at once matters: each write rewrites whole pages of
 * the memories table, and a second of searches touches each page many times.
 */
export class AccessBuffer {
  readonly #s: Statements;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  add(agentId: string, ids: readonly string[], at: string): void {
    for (const id of ids) {
      const entry = this.#pending.get(id);
      if (entry === undefined) this.#pending.set(id, { agentId, count: 1, at });
      else {
        entry.count++;
        if (at > entry.at) entry.at = at;
      }
    }
    if (this.#pending.size >= MAX_PENDING) this.flush();
    else if (this.#timer === undefined && this.#pending.size > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        // A busy database (another process holding the write lock past the busy timeout) only delays
        // the counts: they stay pending for the next flush.
        if (this.#s.db.isOpen) this.#tryFlush();
      }, FLUSH_AFTER_MS);
      this.#timer.unref();
    }
  }

  /** The memory as this process knows it: with its accesses not yet written. */
  overlay<M extends { id: string; accessCount: number; lastAccessedAt: string | null }>(memory: M): M {
    const pending = this.#pending.get(memory.id);
    if (pending === undefined) return memory;
    memory.accessCount += pending.count;
    if (memory.lastAccessedAt === null || memory.lastAccessedAt < pending.at)
      memory.lastAccessedAt = pending.at;
    return memory;
  }

  /** Writes every pending access now (in one transaction that does not wait for the disk). */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) return;
    withoutFsync(this.#s.db, () =>
      inTransaction(this.#s.db, () => {
        for (const [id, { agentId, count, at }] of this.#pending) {
          this.#s.run(
            `UPDATE memories SET access_count = access_count + ?,
               last_accessed_at = CASE WHEN last_accessed_at IS NULL OR last_accessed_at < ? THEN ? ELSE last_accessed_at END
             WHERE id = ? AND agent_id = ?`,
            count,
            at,
            at,
            id,
            agentId,
          );
        }
      }),
    );
    this.#pending.clear();
  }

  /**
   * Forgets what is pending for one agent's memories, when the agent is deleted: an agent imported
   * again with the same ids must not inherit the counts of the one that went.
   */
  discardAgent(agentId: string): void {
    for (const [id, entry] of this.#pending) if (entry.agentId === agentId) this.#pending.delete(id);
  }

  /** Forgets what is pending, e.g. when the database is closing anyway and could not be written. */
  discard(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  #tryFlush(): void {
    try {
      this.flush();
    } catch {
      if (this.#pending.size > 0 && this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          if (this.#s.db.isOpen) this.#tryFlush();
        }, FLUSH_AFTER_MS);
        this.#timer.unref();
      }
    }
  }
}
