/**
 * A one-reader queue: the turn pushes events as they happen, the reader iterates them. Events pushed
 * before the reader arrives wait for it. A reader that stops early (break, return) calls `onCancel`,
 * which aborts the turn.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  readonly #queue: T[] = [];
  #closed = false;
  #wake: (() => void) | null = null;
  readonly #onCancel: () => void;

  constructor(onCancel: () => void) {
    this.#onCancel = onCancel;
  }

  push(event: T): void {
    if (this.#closed) return;
    this.#queue.push(event);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** Stops the turn; the reader then sees how it ended (an `error` event, `cancelled`). */
  cancel(): void {
    if (!this.#closed) this.#onCancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let finished = false;
    try {
      for (;;) {
        const next = this.#queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#closed) {
          finished = true;
          return;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = null;
      }
    } finally {
      if (!finished) {
        this.#closed = true;
        this.#onCancel();
      }
    }
  }
}
