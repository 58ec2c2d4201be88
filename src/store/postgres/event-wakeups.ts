import pg from "pg";
import { EVENTS_CHANNEL } from "./event-writer.ts";

/** The first wait before listening again after the connection dropped; it doubles up to the cap. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

/**
 * Wakes event watchers when any server's transaction that appended events commits: one dedicated
 * connection `LISTEN`s on the events channel, opened with the first watcher, opened again (with
 * back-off) whenever it drops, and closed by `close()`. Each time it starts listening it wakes the
 * watchers once, since events may have committed while nothing listened. Several notifications
 * close together make one call.
 */
export class EventWakeups {
  readonly #config: pg.ClientConfig;
  readonly #listeners = new Set<() => void>();
  #client: pg.Client | null = null;
  #started = false;
  #closed = false;
  #pending = false;
  #retryMs = FIRST_RETRY_MS;
  #retry: NodeJS.Timeout | null = null;

  /** `config` is the pool's: the same server, user and options. */
  constructor(config: pg.ClientConfig) {
    this.#config = { ...config, application_name: "engram events" };
  }

  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (!this.#started && !this.#closed) {
      this.#started = true;
      void this.#listen();
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#listeners.clear();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(this.#config);
    // A dropped connection emits `error` and then `end`; `end` is where it is replaced.
    client.on("error", () => {});
    client.on("notification", () => this.#wake());
    client.on("end", () => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#listenLater();
    });
    try {
      await client.connect();
      if (this.#closed) {
        await client.end();
        return;
      }
      this.#client = client;
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.#retryMs = FIRST_RETRY_MS;
      this.#wake();
    } catch {
      if (this.#client === client) this.#client = null;
      await client.end().catch(() => {});
      this.#listenLater();
    }
  }

  #listenLater(): void {
    if (this.#closed || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#listen();
    }, this.#retryMs);
    // Waiting to listen again is no reason for a process to stay up.
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  #wake(): void {
    if (this.#pending || this.#closed) return;
    this.#pending = true;
    setImmediate(() => {
      this.#pending = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }
}
