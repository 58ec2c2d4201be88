/**
 * Turns an engine runs in the background (messages sent with `send_message_to_agent`), so that
 * closing the engine can wait for them instead of cutting them off mid-write.
 */
export class BackgroundTurns {
  readonly #running = new Set<Promise<unknown>>();

  /** Tracks a turn until it settles; its failure is already recorded in the conversation. */
  add(turn: Promise<unknown>): void {
    const tracked = turn.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(tracked);
    tracked.then(() => this.#running.delete(tracked));
  }

  /** Resolves once every tracked turn, and any turn they started, has ended. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}
