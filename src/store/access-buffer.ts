/** Accesses of one memory gathered since the last write: how many, and the latest instant. */
export interface PendingAccess {
  id: string;
  agentId: string;
  count: number;
  at: string;
}

/** Writes gathered accesses, adding each count to the memory's and keeping the later instant. */
export type AccessWriter = (accesses: readonly PendingAccess[]) => void | Promise<void>;

/** How long accesses wait to be written together. */
const FLUSH_AFTER_MS = 1000;
/** Distinct memories waiting at most; one more writes them all at once. */
const MAX_PENDING = 5000;

/**
 * Access statistics of memories (how often searches returned each, and when last), gathered in
 * memory and written together: at most a second later, when 5,000 distinct memories wait, and at
 * close. Until then every memory this process reads has its pending accesses added (`overlay`), so
 * it sees them at once; other processes, and other servers sharing the database, see them once
 * written. A search is then a pure reader: it takes no write lock, writes no log and waits for no
 * disk. The counts are bookkeeping, not data a caller was promised, so the backends commit them
 * without waiting for the disk; a crash may lose the last second of them, never a memory. Writing
 * many at once matters too: a second of searches touches the same rows and pages many times.
 *
 * A write that fails (a busy or lost database) keeps its accesses for the next one.
 */
export class AccessBuffer {
  readonly #write: AccessWriter;
  /** Gathered, not yet handed to the writer. */
  #pending = new Map<string, PendingAccess>();
  /** Handed to a writer that has not finished: still overlaid, as they are not yet readable. */
  #writing = new Map<string, PendingAccess>();
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(write: AccessWriter) {
    this.#write = write;
  }

  add(agentId: string, ids: readonly string[], at: string): void {
    if (this.#closed) return;
    for (const id of ids) {
      const entry = this.#pending.get(id);
      if (entry === undefined) this.#pending.set(id, { id, agentId, count: 1, at });
      else {
        entry.count++;
        if (at > entry.at) entry.at = at;
      }
    }
    if (this.#pending.size >= MAX_PENDING) void this.#tryFlush();
    else this.#schedule();
  }

  /** The memory as this process knows it: with its accesses not yet written. */
  overlay<M extends { id: string; accessCount: number; lastAccessedAt: string | null }>(memory: M): M {
    for (const gathered of [this.#writing, this.#pending]) {
      const pending = gathered.get(memory.id);
      if (pending === undefined) continue;
      memory.accessCount += pending.count;
      if (memory.lastAccessedAt === null || memory.lastAccessedAt < pending.at)
        memory.lastAccessedAt = pending.at;
    }
    return memory;
  }

  /**
   * Writes every gathered access now; resolves once they (and any write already under way) are
   * written. @throws what the writer threw, with the accesses kept for the next write.
   */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#inFlight !== null) await this.#inFlight.catch(() => {});
    if (this.#pending.size === 0) return;
    this.#writing = this.#pending;
    this.#pending = new Map();
    const batch = [...this.#writing.values()];
    const done = (async () => this.#write(batch))();
    this.#inFlight = done.then(
      () => {},
      () => {},
    );
    try {
      await done;
    } catch (error) {
      // Back into what is gathered, added to what came since.
      for (const entry of batch) this.#merge(entry);
      throw error;
    } finally {
      this.#writing = new Map();
      this.#inFlight = null;
    }
  }

  /**
   * Writes what is gathered (the store is closing); after this, accesses are no longer gathered.
   * A failed write is given up: the database is going away.
   */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      this.discard();
    }
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

  #merge(entry: PendingAccess): void {
    const current = this.#pending.get(entry.id);
    if (current === undefined) this.#pending.set(entry.id, entry);
    else {
      current.count += entry.count;
      if (entry.at > current.at) current.at = entry.at;
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#pending.size === 0 || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tryFlush();
    }, FLUSH_AFTER_MS);
    this.#timer.unref();
  }

  /** A failed write only delays the counts: they wait for the next attempt, a second later. */
  async #tryFlush(): Promise<void> {
    try {
      await this.flush();
    } catch {
      this.#schedule();
    }
  }
}
