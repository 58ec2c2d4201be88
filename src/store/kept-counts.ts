/**
 * Per-agent counts kept while they are nearly right: a count is taken again once a tenth of it may
 * have been written since, by a clock of writes the caller reads (rows appended, documents indexed).
 * For statistics that need the size of an agent's data, not its exact size, and whose exact count
 * costs a read of every row. At most 10,000 agents' counts are kept.
 */
export class KeptCounts {
  readonly #counts = new Map<string, { n: number; at: number }>();

  /** The agent's kept count, or `count()`'s when `now` (the clock) has moved a tenth of it since. */
  async get(agentId: string, now: number, count: () => number | Promise<number>): Promise<number> {
    const kept = this.#counts.get(agentId);
    if (kept !== undefined && now >= kept.at && now - kept.at <= kept.n / 10) return kept.n;
    const n = await count();
    if (this.#counts.size >= 10_000) this.#counts.clear();
    this.#counts.set(agentId, { n, at: now });
    return n;
  }
}
